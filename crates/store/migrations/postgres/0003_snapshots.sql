-- State snapshots, as SQLite's migration 0005 (crates/store/src/snapshot.rs): the latest few, each at a log position, with
-- its format version, the log's root there, the frontier, the payload and a checksum of them.
CREATE TABLE snapshots (
    seq BIGINT PRIMARY KEY,
    version BIGINT NOT NULL,
    root BYTEA NOT NULL,
    frontier BYTEA NOT NULL,
    payload BYTEA NOT NULL,
    checksum BYTEA NOT NULL
);
