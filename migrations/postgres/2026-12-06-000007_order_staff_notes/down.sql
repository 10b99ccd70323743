ALTER TABLE orders DROP COLUMN note_version, DROP COLUMN staff_note;
