-- AMER store, schema 1. Document bytes are the truth; every other table is a projection that can
-- be rebuilt from the documents, except visitor_keys (outside the CRDT by design), meta and the
-- sync bookkeeping.

-- Local settings: office_id, device_code, node_id, device_name, epoch (random id of this
-- database's feed), seq (last feed sequence number).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB
) WITHOUT ROWID;

-- One row per Automerge document: a compact snapshot plus incremental changes (doc_changes);
-- heads and seq drive the change feed.
CREATE TABLE docs (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,          -- office | staff | session | risk
    snapshot       BLOB NOT NULL,          -- automerge save()
    heads          BLOB NOT NULL,          -- concatenated 32-byte change hashes
    seq            INTEGER NOT NULL,       -- feed position of the last heads change
    pending        INTEGER NOT NULL DEFAULT 0, -- rows in doc_changes not yet compacted
    invalid_reason TEXT                    -- set when a merged document breaks a rule
) WITHOUT ROWID;
CREATE INDEX docs_seq ON docs(seq);

-- Incremental changes appended since the last compaction.
CREATE TABLE doc_changes (
    doc_id TEXT NOT NULL,
    n      INTEGER NOT NULL,
    bytes  BLOB NOT NULL,
    PRIMARY KEY (doc_id, n)
) WITHOUT ROWID;

-- Session projection (one row per session document). Times are UTC milliseconds; `day` is the
-- arrival date in the office's time zone.
CREATE TABLE sessions (
    rowid          INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    ticket         TEXT NOT NULL,
    category       TEXT NOT NULL,
    channel        TEXT NOT NULL,
    status         TEXT NOT NULL,
    visitor_id     TEXT NOT NULL,
    visitor_org    TEXT,
    visitor_role   TEXT,
    visitor_sealed BLOB,                   -- personal fields, sealed (never plain)
    package_code   TEXT,
    package_name   TEXT,
    opd            TEXT,
    package_type   TEXT,
    package_method TEXT,
    stage          TEXT,
    subject        TEXT NOT NULL,
    officer_nip    TEXT,
    assigned_by    TEXT,
    device         TEXT NOT NULL,          -- device that registered it
    day            TEXT NOT NULL,
    arrived_at     INTEGER NOT NULL,
    assigned_at    INTEGER,
    started_at     INTEGER,
    finished_at    INTEGER,
    rated_at       INTEGER,
    cancelled_at   INTEGER,
    waiting_s      INTEGER,                -- NULL when unknown or flagged
    duration_s     INTEGER,
    timing_flag    TEXT,                   -- negative | absurd
    score          INTEGER,
    signed         INTEGER,
    follow_target  TEXT,
    objection_announced TEXT,
    objection_filed     TEXT,
    objection_answered  TEXT,
    conflicts      INTEGER NOT NULL DEFAULT 0,
    invalid_reason TEXT,                   -- excluded from reports while set
    review_reason  TEXT                    -- needs a person's attention (e.g. erased visitor)
);
CREATE INDEX sessions_ticket ON sessions(ticket);
CREATE INDEX sessions_arrived ON sessions(arrived_at);
CREATE INDEX sessions_officer ON sessions(officer_nip, finished_at);
CREATE INDEX sessions_status ON sessions(status);
CREATE INDEX sessions_visitor ON sessions(visitor_id);

-- Full-text search over subjects, descriptions and notes (rowid = sessions.rowid).
CREATE VIRTUAL TABLE session_fts USING fts5(
    subject, description, notes,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE staff (
    nip            TEXT PRIMARY KEY,
    doc_id         TEXT NOT NULL,
    name           TEXT NOT NULL,
    title          TEXT,
    role           TEXT NOT NULL,
    active         INTEGER NOT NULL,
    conflicts      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE risks (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL,
    title          TEXT NOT NULL,
    stage          TEXT NOT NULL,
    opd            TEXT,
    package_code   TEXT,
    category       TEXT,
    owner          TEXT,
    inherent_l     INTEGER,
    inherent_i     INTEGER,
    residual_l     INTEGER,
    residual_i     INTEGER,
    response       TEXT,
    status         TEXT NOT NULL,
    treat_total    INTEGER NOT NULL,
    treat_done     INTEGER NOT NULL,
    linked_sessions INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    conflicts      INTEGER NOT NULL DEFAULT 0,
    invalid_reason TEXT
) WITHOUT ROWID;
CREATE INDEX risks_code ON risks(code);

-- Which sessions each risk links to (for "risks linked to sessions").
CREATE TABLE risk_links (
    risk_id    TEXT NOT NULL,
    session_id TEXT NOT NULL,
    PRIMARY KEY (risk_id, session_id)
) WITHOUT ROWID;

-- Non-working days, projected from the office document.
CREATE TABLE holidays (
    date TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
) WITHOUT ROWID;

-- Visitors' data keys: outside the CRDT history, replicated by sync as plain records where a
-- tombstone (wrapped_key NULL, erased_at set) always wins. Keys are wrapped under the node's
-- master key; hashes are keyed (HMAC) lookups of phone and NIK, deleted on erasure.
CREATE TABLE visitor_keys (
    visitor_id     TEXT PRIMARY KEY,
    wrapped_key    BLOB,
    phone_hash     BLOB,
    nik_hash       BLOB,
    created_at     INTEGER NOT NULL,
    erased_at      INTEGER,
    erased_by      TEXT,
    erase_request  TEXT,
    known_sessions TEXT,                   -- session ids known to the eraser, comma-separated
    seq            INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX visitor_keys_phone ON visitor_keys(phone_hash);
CREATE INDEX visitor_keys_nik ON visitor_keys(nik_hash);
CREATE INDEX visitor_keys_seq ON visitor_keys(seq);

-- Per-device daily ticket counters and yearly risk counters (local, not replicated).
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

-- Sync bookkeeping per peer (owned by amer-sync): opaque key/value pairs.
CREATE TABLE peer_state (
    node_id TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   BLOB,
    PRIMARY KEY (node_id, key)
) WITHOUT ROWID;
