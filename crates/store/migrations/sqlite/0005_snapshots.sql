-- State snapshots (crates/store/src/snapshot.rs): the latest few, each at a log position, with
-- its format version, the log's root there, the frontier, the payload and a checksum of them.
CREATE TABLE snapshots (
    seq INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    root BLOB NOT NULL,
    frontier BLOB NOT NULL,
    payload BLOB NOT NULL,
    checksum BLOB NOT NULL
);
