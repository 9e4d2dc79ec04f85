-- Issue 25 item 8 (R7.2, PIPL Art. 47): anonymisation leaves nothing of the customer behind.
--
-- The timeline stays append-only, with one narrow exception: an anonymisation may replace an
-- event's payload once (`redacted_at` set), keeping every other column, its hash and its link.
-- `timeline::verify_chain` accepts such an event only when the payload it now holds is sealed
-- by the `customer_anonymised` event that redacted it (see src/retention.rs).
ALTER TABLE events ADD COLUMN redacted_at TEXT;
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NOT (
    OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
    AND NEW.seq IS OLD.seq AND NEW.id IS OLD.id AND NEW.complaint_id IS OLD.complaint_id AND NEW.at IS OLD.at
    AND NEW.actor_id IS OLD.actor_id AND NEW.kind IS OLD.kind AND NEW.prev_hash IS OLD.prev_hash AND NEW.hash IS OLD.hash
)
BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;

-- A signature's strokes and image are the customer's handwriting: an anonymisation now clears
-- them too. The digest stays (pinned on the timeline), so a printed copy still matches by digest.
DROP TRIGGER signatures_no_update;
CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
WHEN NOT (
    OLD.anonymised_at IS NULL AND NEW.anonymised_at IS NOT NULL
    AND NEW.id IS OLD.id AND NEW.complaint_id IS OLD.complaint_id AND NEW.purpose IS OLD.purpose
    AND NEW.digest IS OLD.digest AND NEW.signed_at IS OLD.signed_at AND NEW.recorded_by IS OLD.recorded_by
)
BEGIN SELECT RAISE(ABORT, 'signatures are evidence and are kept'); END;

-- Evidence files of an anonymised customer are deleted from disk; their rows stay, marked.
ALTER TABLE attachments ADD COLUMN erased_at TEXT;
