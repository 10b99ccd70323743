-- Every change or end of a session row is announced, when its transaction commits, on the
-- channel `session_changes` with the row's id: the nodes that keep sessions in memory
-- (src/web/session_cache.rs) forget it. A trigger, so no path that ends a session (a sign-out,
-- a suspension, the retention sweep, a command run by hand) can skip the announcement.
CREATE FUNCTION announce_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('session_changes', OLD.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER session_changes AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION announce_session_change();
