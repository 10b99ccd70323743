-- The card processor's webhook events the shop has applied, by the processor's event id: a
-- repeated delivery of one is answered without applying it again (`payments::webhook`).
CREATE TABLE payment_events (
    id          VARCHAR(255) PRIMARY KEY,
    kind        VARCHAR(100) NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
