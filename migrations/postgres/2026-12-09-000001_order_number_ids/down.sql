CREATE OR REPLACE FUNCTION enter_order_number() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO order_numbers (number) VALUES (NEW.number);
    RETURN NULL;
END $$;
ALTER TABLE order_numbers DROP COLUMN order_id;
