-- The report days a session's projection inserts or changes are marked by the projection
-- itself (`projection::mark_report_day`), no longer by triggers: an insert or update trigger
-- makes every upsert of a session row open a statement journal, and with it a savepoint that
-- makes the search index write out what it holds; marked from Rust, a catch-up chunk writes
-- one index segment and no statement journal. The delete trigger stays (rows deleted by a
-- repair or by hand; a delete trigger costs an upsert nothing).
DROP TRIGGER IF EXISTS report_dirty_insert;
DROP TRIGGER IF EXISTS report_dirty_update;
