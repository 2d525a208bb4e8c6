-- Schema 2: indexes for ticket numbering (a device's tickets of a day) and for period reports
-- over finished sessions.
CREATE INDEX sessions_device_day ON sessions(device, day);
CREATE INDEX sessions_finished ON sessions(finished_at, officer_nip) WHERE invalid_reason IS NULL;
