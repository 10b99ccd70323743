-- The highest search outbox id the retention job has removed (`retention::sweep`). A node whose
-- index is behind it missed changes it can no longer read, so it rebuilds its index instead
-- (`search::Indexer::drain`). Exactly one row.
CREATE TABLE search_outbox_pruned (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    up_to BIGINT NOT NULL
);
INSERT INTO search_outbox_pruned (id, up_to) VALUES (1, 0);
