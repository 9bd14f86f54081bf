-- The verifiable log: the secret behind the salts of restricted fields, each event's leaf hash
-- (RFC 6962, over the committed canonical entry; docs/LOG.md), signed checkpoints and witness
-- cosignatures.
CREATE TABLE log_meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE log_leaves (
    seq INTEGER PRIMARY KEY,
    hash BLOB NOT NULL CHECK (length(hash) = 32)
);
CREATE TRIGGER log_leaves_no_update BEFORE UPDATE ON log_leaves BEGIN SELECT RAISE(ABORT, 'leaves are append-only'); END;
CREATE TRIGGER log_leaves_no_delete BEFORE DELETE ON log_leaves BEGIN SELECT RAISE(ABORT, 'leaves are append-only'); END;

CREATE TABLE checkpoints (
    size INTEGER PRIMARY KEY,
    note TEXT NOT NULL,
    signed_at TEXT NOT NULL
);

CREATE TABLE cosignatures (
    size INTEGER NOT NULL,
    witness TEXT NOT NULL,
    line TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (size, witness)
) WITHOUT ROWID;
