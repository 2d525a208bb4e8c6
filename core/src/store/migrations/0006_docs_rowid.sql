-- Documents in a rowid table. A WITHOUT ROWID table keeps its rows in an index b-tree, whose
-- cells hold at most 1,002 bytes of a 4,096-byte page: every session document (1.1 KB as saved
-- here, 1.6 KB as received with plain columns) spilled into an overflow page of its own, so a
-- document took 4.7 KB of file and of WAL writes, three quarters of it empty. A table b-tree
-- keeps up to 4,061 bytes in the cell. Rows are copied in feed order, the order in which sync
-- and the projections read them.
CREATE TABLE docs_rowid (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL,          -- office | staff | session | risk
    snapshot       BLOB NOT NULL,          -- automerge save()
    heads          BLOB NOT NULL,          -- concatenated 32-byte change hashes
    seq            INTEGER NOT NULL,       -- feed position of the last heads change
    pending        INTEGER NOT NULL DEFAULT 0, -- rows in doc_changes not yet compacted
    invalid_reason TEXT                    -- set when a merged document breaks a rule
);
INSERT INTO docs_rowid(id, kind, snapshot, heads, seq, pending, invalid_reason)
    SELECT id, kind, snapshot, heads, seq, pending, invalid_reason FROM docs ORDER BY seq;
DROP TABLE docs;
ALTER TABLE docs_rowid RENAME TO docs;
CREATE INDEX docs_seq ON docs(seq);
