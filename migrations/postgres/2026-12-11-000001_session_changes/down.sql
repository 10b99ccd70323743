DROP TRIGGER session_changes ON sessions;
DROP FUNCTION announce_session_change();
