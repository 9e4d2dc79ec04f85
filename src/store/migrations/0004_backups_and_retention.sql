-- Schema version 4 (issue 7, "nothing lost, nobody in"): the log of backup runs, and the one
-- change a signature may ever undergo: anonymisation of its signer and content (R7.2).

-- Every backup attempt (manual, scheduled, at exit, before a restore) and every restore, with its
-- outcome, so the window can say "last backup: yesterday 18:00, OK" or why the last one failed.
-- Not a record of the complaint (not on the timeline: scheduled backups are not staff actions);
-- manual backups and restores are on the timeline too (R7.1).
CREATE TABLE backup_runs (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    trigger  TEXT NOT NULL,              -- manual | scheduled | exit | before_restore | restore
    ok       INTEGER NOT NULL,
    folder   TEXT NOT NULL,
    name     TEXT,                       -- the backup folder's name, when one was written/read
    bytes    INTEGER,
    error    TEXT                        -- the error code and message, when it failed
);
CREATE INDEX backup_runs_at ON backup_runs(at);

-- R7.2 / R7.11: a signature is evidence and is never changed, except once, when the customer's
-- personal data is anonymised after the retention period: then the signer's name and the signed
-- content (name, phone, address) are replaced, while the strokes and the digest stay as they were
-- (the digest is also pinned on the timeline by the `anonymised` event, see src/retention.rs).
ALTER TABLE signatures ADD COLUMN anonymised_at TEXT;

DROP TRIGGER signatures_no_update;
CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
WHEN NOT (
    OLD.anonymised_at IS NULL AND NEW.anonymised_at IS NOT NULL
    AND NEW.id IS OLD.id AND NEW.complaint_id IS OLD.complaint_id AND NEW.purpose IS OLD.purpose
    AND NEW.strokes_json IS OLD.strokes_json AND NEW.png IS OLD.png AND NEW.digest IS OLD.digest
    AND NEW.signed_at IS OLD.signed_at AND NEW.recorded_by IS OLD.recorded_by
)
BEGIN SELECT RAISE(ABORT, 'signatures are evidence and are kept'); END;

-- R7.2: nothing of a complaint's record is deleted, by anyone, ever (personal data is anonymised
-- instead). The complaint, its customer, signatures, surveys and timeline were protected by
-- schema 1; these are the rest of the record.
CREATE TRIGGER steps_no_delete BEFORE DELETE ON steps
BEGIN SELECT RAISE(ABORT, 'complaint records are kept'); END;
CREATE TRIGGER dispatches_no_delete BEFORE DELETE ON dispatches
BEGIN SELECT RAISE(ABORT, 'complaint records are kept'); END;
CREATE TRIGGER handlings_no_delete BEFORE DELETE ON handlings
BEGIN SELECT RAISE(ABORT, 'complaint records are kept'); END;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'complaint records are kept'); END;
CREATE TRIGGER compensation_approvals_no_delete BEFORE DELETE ON compensation_approvals
BEGIN SELECT RAISE(ABORT, 'complaint records are kept'); END;
CREATE TRIGGER implementations_no_delete BEFORE DELETE ON implementations
BEGIN SELECT RAISE(ABORT, 'complaint records are kept'); END;
CREATE TRIGGER compensations_no_delete BEFORE DELETE ON compensations
BEGIN SELECT RAISE(ABORT, 'complaint records are kept'); END;
CREATE TRIGGER contact_attempts_no_delete BEFORE DELETE ON contact_attempts
BEGIN SELECT RAISE(ABORT, 'complaint records are kept'); END;
CREATE TRIGGER urges_no_delete BEFORE DELETE ON urges
BEGIN SELECT RAISE(ABORT, 'complaint records are kept'); END;
CREATE TRIGGER major_reports_no_delete BEFORE DELETE ON major_reports
BEGIN SELECT RAISE(ABORT, 'complaint records are kept'); END;
CREATE TRIGGER escalation_acks_no_delete BEFORE DELETE ON escalation_acks
BEGIN SELECT RAISE(ABORT, 'complaint records are kept'); END;
CREATE TRIGGER attachments_no_delete BEFORE DELETE ON attachments
BEGIN SELECT RAISE(ABORT, 'complaint records are kept'); END;
CREATE TRIGGER pauses_no_delete BEFORE DELETE ON pauses
BEGIN SELECT RAISE(ABORT, 'complaint records are kept'); END;
