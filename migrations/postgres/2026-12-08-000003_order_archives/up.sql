-- One row per `shopwave archive` run (src/archive.rs): every order placed before `before_day`
-- is in the archive written to `folder`. The sales totals of those days stay, and `shopwave
-- check` compares only the later days with their recomputation from the orders.
CREATE TABLE order_archives (
    id           BIGSERIAL PRIMARY KEY,
    before_day   DATE NOT NULL,
    orders       BIGINT NOT NULL CHECK (orders >= 0),
    lines        BIGINT NOT NULL CHECK (lines >= 0),
    folder       TEXT NOT NULL,
    archived_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
