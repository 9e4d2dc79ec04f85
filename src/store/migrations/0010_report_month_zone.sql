-- Issue 8, case 5c: an edit at a month's edge no longer drops the month next to it.
--
-- The triggers of 0006 delete the stored months an instant can fall in. Not knowing the
-- branches' time zones, they took the UTC month of the instant one day either side, so a write
-- to a complaint of the first or last day of a month dropped the neighbouring month too (at a
-- million complaints: a second month's facts read again, ~0.9 s). The program now records the
-- range of UTC offsets its branches' zones have ever had (`report_month_zone`, written by
-- src/report/trend.rs before it stores a month); the months an instant can fall in are then
-- the UTC months of the instant moved by the smallest and the largest of those offsets: one
-- month, except within the width of that range (an hour for Asia/Shanghai's summer time of
-- 1986-91) of a local midnight. Without that row (no month stored since the branches last
-- changed, or a database from before this migration) the triggers take one day either side, as
-- before; a change to any branch deletes the row, like it deletes every stored month.
CREATE TABLE IF NOT EXISTS report_month_zone (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    lo  INTEGER NOT NULL,               -- seconds east of UTC, the smallest offset
    hi  INTEGER NOT NULL,               -- seconds east of UTC, the largest
    CHECK (lo <= hi AND lo >= -86400 AND hi <= 86400)
);

-- The SQLite date modifiers the triggers below move an instant by: ±1 day without a row.
CREATE VIEW IF NOT EXISTS report_month_zone_span AS
    SELECT COALESCE((SELECT printf('%+d seconds', lo) FROM report_month_zone WHERE id = 1), '-1 day') AS lo,
           COALESCE((SELECT printf('%+d seconds', hi) FROM report_month_zone WHERE id = 1), '+1 day') AS hi;

CREATE TRIGGER IF NOT EXISTS report_month_zone_branches_insert AFTER INSERT ON branches BEGIN DELETE FROM report_month_zone; END;
CREATE TRIGGER IF NOT EXISTS report_month_zone_branches_update AFTER UPDATE ON branches BEGIN DELETE FROM report_month_zone; END;
CREATE TRIGGER IF NOT EXISTS report_month_zone_branches_delete AFTER DELETE ON branches BEGIN DELETE FROM report_month_zone; END;
CREATE TRIGGER IF NOT EXISTS report_month_zone_restore AFTER INSERT ON backup_runs WHEN NEW.trigger = 'restore' BEGIN
    DELETE FROM report_month_zone;
END;

-- 0006's triggers, with one day either side replaced by the recorded offsets.
DROP TRIGGER IF EXISTS report_month_figures_complaint_insert;
CREATE TRIGGER report_month_figures_complaint_insert AFTER INSERT ON complaints BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', NEW.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', NEW.received_at, (SELECT hi FROM report_month_zone_span))
       OR strftime('%Y-%m', NEW.received_at) IS NULL;
END;

DROP TRIGGER IF EXISTS report_month_figures_complaint_update;
CREATE TRIGGER report_month_figures_complaint_update AFTER UPDATE ON complaints BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', OLD.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', OLD.received_at, (SELECT hi FROM report_month_zone_span))
       OR month BETWEEN strftime('%Y-%m', NEW.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', NEW.received_at, (SELECT hi FROM report_month_zone_span))
       OR strftime('%Y-%m', OLD.received_at) IS NULL OR strftime('%Y-%m', NEW.received_at) IS NULL
       OR EXISTS (SELECT 1 FROM surveys s WHERE s.complaint_id IN (OLD.id, NEW.id)
                  AND (month BETWEEN strftime('%Y-%m', s.surveyed_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', s.surveyed_at, (SELECT hi FROM report_month_zone_span))
                       OR strftime('%Y-%m', s.surveyed_at) IS NULL));
END;

DROP TRIGGER IF EXISTS report_month_figures_complaint_delete;
CREATE TRIGGER report_month_figures_complaint_delete AFTER DELETE ON complaints BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', OLD.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', OLD.received_at, (SELECT hi FROM report_month_zone_span))
       OR strftime('%Y-%m', OLD.received_at) IS NULL
       OR EXISTS (SELECT 1 FROM surveys s WHERE s.complaint_id = OLD.id
                  AND (month BETWEEN strftime('%Y-%m', s.surveyed_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', s.surveyed_at, (SELECT hi FROM report_month_zone_span))
                       OR strftime('%Y-%m', s.surveyed_at) IS NULL));
END;

DROP TRIGGER IF EXISTS report_month_figures_steps_insert;
CREATE TRIGGER report_month_figures_steps_insert AFTER INSERT ON steps BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span))
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0;
END;

DROP TRIGGER IF EXISTS report_month_figures_steps_update;
CREATE TRIGGER report_month_figures_steps_update AFTER UPDATE ON steps BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span))
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0
     OR (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span))
        FROM complaints c WHERE c.id = OLD.complaint_id) IS NOT 0;
END;

DROP TRIGGER IF EXISTS report_month_figures_steps_delete;
CREATE TRIGGER report_month_figures_steps_delete AFTER DELETE ON steps BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span))
        FROM complaints c WHERE c.id = OLD.complaint_id) IS NOT 0;
END;

DROP TRIGGER IF EXISTS report_month_figures_pauses_insert;
CREATE TRIGGER report_month_figures_pauses_insert AFTER INSERT ON pauses BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span))
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0;
END;

DROP TRIGGER IF EXISTS report_month_figures_pauses_update;
CREATE TRIGGER report_month_figures_pauses_update AFTER UPDATE ON pauses BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span))
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0
     OR (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span))
        FROM complaints c WHERE c.id = OLD.complaint_id) IS NOT 0;
END;

DROP TRIGGER IF EXISTS report_month_figures_pauses_delete;
CREATE TRIGGER report_month_figures_pauses_delete AFTER DELETE ON pauses BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span))
        FROM complaints c WHERE c.id = OLD.complaint_id) IS NOT 0;
END;

DROP TRIGGER IF EXISTS report_month_figures_dispatches_insert;
CREATE TRIGGER report_month_figures_dispatches_insert AFTER INSERT ON dispatches BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span))
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0;
END;

DROP TRIGGER IF EXISTS report_month_figures_dispatches_update;
CREATE TRIGGER report_month_figures_dispatches_update AFTER UPDATE ON dispatches BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span))
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0
     OR (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span))
        FROM complaints c WHERE c.id = OLD.complaint_id) IS NOT 0;
END;

DROP TRIGGER IF EXISTS report_month_figures_dispatches_delete;
CREATE TRIGGER report_month_figures_dispatches_delete AFTER DELETE ON dispatches BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span))
        FROM complaints c WHERE c.id = OLD.complaint_id) IS NOT 0;
END;

DROP TRIGGER IF EXISTS report_month_figures_events_insert;
CREATE TRIGGER report_month_figures_events_insert AFTER INSERT ON events WHEN NEW.complaint_id IS NOT NULL BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span))
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0;
END;

DROP TRIGGER IF EXISTS report_month_figures_surveys_insert;
CREATE TRIGGER report_month_figures_surveys_insert AFTER INSERT ON surveys BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', NEW.surveyed_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', NEW.surveyed_at, (SELECT hi FROM report_month_zone_span))
       OR strftime('%Y-%m', NEW.surveyed_at) IS NULL;
END;

DROP TRIGGER IF EXISTS report_month_figures_surveys_update;
CREATE TRIGGER report_month_figures_surveys_update AFTER UPDATE ON surveys BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', OLD.surveyed_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', OLD.surveyed_at, (SELECT hi FROM report_month_zone_span))
       OR month BETWEEN strftime('%Y-%m', NEW.surveyed_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', NEW.surveyed_at, (SELECT hi FROM report_month_zone_span))
       OR strftime('%Y-%m', OLD.surveyed_at) IS NULL OR strftime('%Y-%m', NEW.surveyed_at) IS NULL;
END;

DROP TRIGGER IF EXISTS report_month_figures_surveys_delete;
CREATE TRIGGER report_month_figures_surveys_delete AFTER DELETE ON surveys BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', OLD.surveyed_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', OLD.surveyed_at, (SELECT hi FROM report_month_zone_span))
       OR strftime('%Y-%m', OLD.surveyed_at) IS NULL;
END;
