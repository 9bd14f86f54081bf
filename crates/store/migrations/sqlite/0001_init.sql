-- The event log: append-only. seq is the position in the log, gap-free from 1.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    command_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Idempotency: one row per accepted command; a repeat returns this outcome.
CREATE TABLE commands (
    command_id TEXT PRIMARY KEY,
    fingerprint BLOB NOT NULL,
    first_seq INTEGER NOT NULL,
    event_count INTEGER NOT NULL
) WITHOUT ROWID;

-- Reference data: ECB rates, units per EUR.
CREATE TABLE fx_rates (
    currency TEXT NOT NULL,
    date TEXT NOT NULL,
    rate TEXT NOT NULL,
    PRIMARY KEY (currency, date)
) WITHOUT ROWID;

-- Projections: derivable from events, rebuilt by `Store::rebuild_projections`.
CREATE TABLE pledge_view (
    pledge_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    contributor TEXT NOT NULL,
    date TEXT NOT NULL,
    status TEXT NOT NULL,
    currency TEXT,
    announced_minor INTEGER,
    committed_minor INTEGER,
    paid_minor INTEGER,
    package TEXT,
    last_seq INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE postings (
    seq INTEGER NOT NULL,
    entry INTEGER NOT NULL,
    book TEXT NOT NULL,
    account TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL
);
