-- Schema 4: pre-aggregated report figures per local day, category and officer, so that a report
-- over years sums a few tens of thousands of rows instead of stepping through every session.
--
-- The aggregates are a cache of the session projection and are kept exact by a dirty list:
-- triggers on `sessions` note the UTC day (arrived_at / 86400000) of every row inserted,
-- changed or deleted, which costs one lookup in a small table per written session; the next
-- report recomputes the local days those UTC days touch from the projection, in the same
-- transaction as its read (see core/src/report/days.rs). Nothing here is replicated.

-- UTC days (arrived_at / 86400000, truncated) whose sessions changed since the last refresh.
CREATE TABLE report_dirty (
    utc_day INTEGER PRIMARY KEY
) WITHOUT ROWID;

-- One row per local day (in the zone named by meta 'report_tz'), category and officer, over the
-- valid sessions (invalid_reason IS NULL) that arrived that day.
CREATE TABLE report_days (
    day            INTEGER NOT NULL,   -- local date as days since 1970-01-01 (sentinels for dates out of range)
    category       TEXT NOT NULL,
    officer        TEXT NOT NULL,      -- '' when unassigned
    n_registered   INTEGER NOT NULL,   -- sessions by status
    n_assigned     INTEGER NOT NULL,
    n_in_service   INTEGER NOT NULL,
    n_finished     INTEGER NOT NULL,
    n_rated        INTEGER NOT NULL,
    n_cancelled    INTEGER NOT NULL,
    n_other        INTEGER NOT NULL,   -- a status this build does not know
    wait_sum       INTEGER NOT NULL,   -- every session: waiting_s summed, counted, and
    wait_n         INTEGER NOT NULL,   --   flagged (started but no plausible waiting time)
    wait_flagged   INTEGER NOT NULL,
    dur_sum        INTEGER NOT NULL,   -- every session: duration_s summed, counted, and
    dur_n          INTEGER NOT NULL,   --   flagged (finished or rated without a plausible duration)
    dur_flagged    INTEGER NOT NULL,
    score_1        INTEGER NOT NULL,   -- every session's rating, counted per score
    score_2        INTEGER NOT NULL,
    score_3        INTEGER NOT NULL,
    score_4        INTEGER NOT NULL,
    score_5        INTEGER NOT NULL,
    served_score_1 INTEGER NOT NULL,   -- served (finished or rated) sessions' ratings per score
    served_score_2 INTEGER NOT NULL,
    served_score_3 INTEGER NOT NULL,
    served_score_4 INTEGER NOT NULL,
    served_score_5 INTEGER NOT NULL,
    served_wait_flagged INTEGER NOT NULL,  -- served sessions without a plausible waiting time
    served_waits   BLOB NOT NULL,      -- served sessions' waiting_s: sorted (delta, count) varints
    served_durations BLOB NOT NULL,    -- served sessions' duration_s, the same encoding
    topic_values   BLOB NOT NULL,      -- (report_terms id, sessions): stage, package type, method, OPD, subject
    visitors       BLOB NOT NULL,      -- (report_visitors id, sessions)
    words          BLOB NOT NULL,      -- (report_terms id, occurrences, in subjects, in notes) of subject and notes words
    PRIMARY KEY (day, category, officer)
) WITHOUT ROWID;

-- Texts the aggregates count, by a small number: "<kind>\t<value>" where kind is g (stage),
-- t (package type), m (method), o (OPD), s (subject, trimmed) or w (a word of the full-text
-- index); and the visitors (ids, never personal data).
CREATE TABLE report_terms (
    id   INTEGER PRIMARY KEY,
    term TEXT NOT NULL UNIQUE
);
CREATE TABLE report_visitors (
    id         INTEGER PRIMARY KEY,
    visitor_id TEXT NOT NULL UNIQUE
);

-- The same figures per local month (year * 12 + month - 1): sums of the month's day rows,
-- recomputed with them, so that a report over years reads a month row wherever the period
-- covers the whole month and day rows only at its edges.
CREATE TABLE report_months (
    month          INTEGER NOT NULL,   -- year * 12 + month - 1, local
    category       TEXT NOT NULL,
    officer        TEXT NOT NULL,      -- '' when unassigned
    n_registered   INTEGER NOT NULL,   -- sessions by status
    n_assigned     INTEGER NOT NULL,
    n_in_service   INTEGER NOT NULL,
    n_finished     INTEGER NOT NULL,
    n_rated        INTEGER NOT NULL,
    n_cancelled    INTEGER NOT NULL,
    n_other        INTEGER NOT NULL,   -- a status this build does not know
    wait_sum       INTEGER NOT NULL,   -- every session: waiting_s summed, counted, and
    wait_n         INTEGER NOT NULL,   --   flagged (started but no plausible waiting time)
    wait_flagged   INTEGER NOT NULL,
    dur_sum        INTEGER NOT NULL,   -- every session: duration_s summed, counted, and
    dur_n          INTEGER NOT NULL,   --   flagged (finished or rated without a plausible duration)
    dur_flagged    INTEGER NOT NULL,
    score_1        INTEGER NOT NULL,   -- every session's rating, counted per score
    score_2        INTEGER NOT NULL,
    score_3        INTEGER NOT NULL,
    score_4        INTEGER NOT NULL,
    score_5        INTEGER NOT NULL,
    served_score_1 INTEGER NOT NULL,   -- served (finished or rated) sessions' ratings per score
    served_score_2 INTEGER NOT NULL,
    served_score_3 INTEGER NOT NULL,
    served_score_4 INTEGER NOT NULL,
    served_score_5 INTEGER NOT NULL,
    served_wait_flagged INTEGER NOT NULL,  -- served sessions without a plausible waiting time
    served_waits   BLOB NOT NULL,      -- served sessions' waiting_s: sorted (delta, count) varints
    served_durations BLOB NOT NULL,    -- served sessions' duration_s, the same encoding
    topic_values   BLOB NOT NULL,      -- (report_terms id, sessions): stage, package type, method, OPD, subject
    visitors       BLOB NOT NULL,      -- (report_visitors id, sessions)
    words          BLOB NOT NULL,      -- (report_terms id, occurrences, in subjects, in notes) of subject and notes words
    PRIMARY KEY (month, category, officer)
) WITHOUT ROWID;

-- The objection report lists every sanggahan with an announcement date in announcement order:
-- a partial covering index holds just those rows (a tenth of the sessions, the only ones that
-- pay for it on a write), so the report reads them in order without looking up or sorting rows.
CREATE INDEX sessions_objections ON sessions(objection_announced, ticket, arrived_at, category,
    officer_nip, id, subject, package_code, package_name, opd, status, objection_filed,
    objection_answered, objection_outcome)
    WHERE invalid_reason IS NULL AND category = 'sanggahan' AND objection_announced IS NOT NULL;

-- The guard is NOT EXISTS rather than INSERT OR IGNORE: inside a trigger, the conflict policy of
-- the outer statement (the projection's upsert) would override OR IGNORE.
CREATE TRIGGER report_dirty_insert AFTER INSERT ON sessions BEGIN
    INSERT INTO report_dirty(utc_day) SELECT NEW.arrived_at / 86400000
        WHERE NOT EXISTS (SELECT 1 FROM report_dirty WHERE utc_day = NEW.arrived_at / 86400000);
END;

CREATE TRIGGER report_dirty_update AFTER UPDATE ON sessions BEGIN
    INSERT INTO report_dirty(utc_day) SELECT OLD.arrived_at / 86400000
        WHERE NOT EXISTS (SELECT 1 FROM report_dirty WHERE utc_day = OLD.arrived_at / 86400000);
    INSERT INTO report_dirty(utc_day) SELECT NEW.arrived_at / 86400000
        WHERE NOT EXISTS (SELECT 1 FROM report_dirty WHERE utc_day = NEW.arrived_at / 86400000);
END;

CREATE TRIGGER report_dirty_delete AFTER DELETE ON sessions BEGIN
    INSERT INTO report_dirty(utc_day) SELECT OLD.arrived_at / 86400000
        WHERE NOT EXISTS (SELECT 1 FROM report_dirty WHERE utc_day = OLD.arrived_at / 86400000);
END;
