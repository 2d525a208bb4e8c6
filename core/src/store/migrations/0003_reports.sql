-- Schema 3: one covering index for reports over a period (their columns come from the index
-- alone), and the objection outcome in the session projection. Sessions projected before this
-- migration get their outcome at their next change.
CREATE INDEX sessions_report ON sessions(arrived_at, category, officer_nip, status, started_at,
    waiting_s, duration_s, score, stage, package_type, package_method, opd, visitor_id, subject)
    WHERE invalid_reason IS NULL;
ALTER TABLE sessions ADD COLUMN objection_outcome TEXT;   -- upheld | rejected
