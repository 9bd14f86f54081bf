-- The whole schema for PostgreSQL, the same tables as SQLite's migrations 0001-0004.
CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    command_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    actor TEXT NOT NULL DEFAULT 'admin'
);
CREATE FUNCTION tranche_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION tranche_append_only();

CREATE TABLE commands (
    command_id TEXT PRIMARY KEY,
    fingerprint BYTEA NOT NULL,
    first_seq BIGINT NOT NULL,
    event_count BIGINT NOT NULL
);

CREATE TABLE fx_rates (
    currency TEXT NOT NULL,
    date TEXT NOT NULL,
    rate TEXT NOT NULL,
    PRIMARY KEY (currency, date)
);

CREATE TABLE pledge_view (
    pledge_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    contributor TEXT NOT NULL,
    date TEXT NOT NULL,
    status TEXT NOT NULL,
    currency TEXT,
    announced_minor BIGINT,
    committed_minor BIGINT,
    paid_minor BIGINT,
    package TEXT,
    last_seq BIGINT NOT NULL
);

CREATE TABLE postings (
    seq BIGINT NOT NULL,
    entry BIGINT NOT NULL,
    book TEXT NOT NULL,
    account TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL
);

CREATE TABLE log_meta (
    key TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE log_leaves (
    seq BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL CHECK (length(hash) = 32)
);
CREATE TRIGGER log_leaves_append_only BEFORE UPDATE OR DELETE ON log_leaves FOR EACH ROW EXECUTE FUNCTION tranche_append_only();

CREATE TABLE checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL,
    signed_at TEXT NOT NULL
);

CREATE TABLE cosignatures (
    size BIGINT NOT NULL,
    witness TEXT NOT NULL,
    line TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (size, witness)
);
