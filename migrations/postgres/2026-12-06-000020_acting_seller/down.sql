DROP FUNCTION acting_seller();
