DROP TABLE search_outbox_pruned;
