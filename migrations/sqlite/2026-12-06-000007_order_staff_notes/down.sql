ALTER TABLE orders DROP COLUMN note_version;
ALTER TABLE orders DROP COLUMN staff_note;
