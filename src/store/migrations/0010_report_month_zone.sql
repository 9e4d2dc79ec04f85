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

-- 0006's triggers, with one day either side replaced by the recorded offsets, and written so
-- that a write costs a look-up, not a pass over the table: every statement names a range of
-- months, which SQLite finds through the primary key's index. 0006's single statements
-- compared each stored row — with the kept reports' list chunks, hundreds — through strftime()
-- on every insert into the timeline or the steps: half of a registration's time at a million
-- complaints (perf, issue 8 case 4; tests/report_month_cache_plans.rs counts the instructions).
-- The meaning is 0006's: the months an instant can fall in go, and an instant SQLite cannot
-- read, or a complaint that cannot be found, takes every stored month with it. That last case
-- is written `month >= (CASE WHEN <it> THEN '' END)`: every key when it holds, and otherwise a
-- NULL bound, for which SQLite visits no row at all (a plain `WHERE <it>` was tried against
-- every row).

DROP TRIGGER IF EXISTS report_month_figures_complaint_insert;
CREATE TRIGGER report_month_figures_complaint_insert AFTER INSERT ON complaints BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', NEW.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', NEW.received_at, (SELECT hi FROM report_month_zone_span));
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN strftime('%Y-%m', NEW.received_at) IS NULL THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_complaint_update;
CREATE TRIGGER report_month_figures_complaint_update AFTER UPDATE ON complaints BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', OLD.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', OLD.received_at, (SELECT hi FROM report_month_zone_span));
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN strftime('%Y-%m', OLD.received_at) IS NULL THEN '' END);
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', NEW.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', NEW.received_at, (SELECT hi FROM report_month_zone_span));
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN strftime('%Y-%m', NEW.received_at) IS NULL THEN '' END);
    DELETE FROM report_month_figures WHERE rowid IN (
        SELECT f.rowid FROM surveys s JOIN report_month_figures f
            ON f.month BETWEEN strftime('%Y-%m', s.surveyed_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', s.surveyed_at, (SELECT hi FROM report_month_zone_span))
        WHERE s.complaint_id IN (OLD.id, NEW.id));
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN EXISTS (SELECT 1 FROM surveys s WHERE s.complaint_id IN (OLD.id, NEW.id) AND strftime('%Y-%m', s.surveyed_at) IS NULL) THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_complaint_delete;
CREATE TRIGGER report_month_figures_complaint_delete AFTER DELETE ON complaints BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', OLD.received_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', OLD.received_at, (SELECT hi FROM report_month_zone_span));
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN strftime('%Y-%m', OLD.received_at) IS NULL THEN '' END);
    DELETE FROM report_month_figures WHERE rowid IN (
        SELECT f.rowid FROM surveys s JOIN report_month_figures f
            ON f.month BETWEEN strftime('%Y-%m', s.surveyed_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', s.surveyed_at, (SELECT hi FROM report_month_zone_span))
        WHERE s.complaint_id IN (OLD.id));
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN EXISTS (SELECT 1 FROM surveys s WHERE s.complaint_id IN (OLD.id) AND strftime('%Y-%m', s.surveyed_at) IS NULL) THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_steps_insert;
CREATE TRIGGER report_month_figures_steps_insert AFTER INSERT ON steps BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN (SELECT strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id)
                    AND (SELECT strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id);
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN (SELECT strftime('%Y-%m', c.received_at) FROM complaints c WHERE c.id = NEW.complaint_id) IS NULL THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_steps_update;
CREATE TRIGGER report_month_figures_steps_update AFTER UPDATE ON steps BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN (SELECT strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id)
                    AND (SELECT strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id);
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN (SELECT strftime('%Y-%m', c.received_at) FROM complaints c WHERE c.id = NEW.complaint_id) IS NULL THEN '' END);
    DELETE FROM report_month_figures
    WHERE month BETWEEN (SELECT strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) FROM complaints c WHERE c.id = OLD.complaint_id)
                    AND (SELECT strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span)) FROM complaints c WHERE c.id = OLD.complaint_id);
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN (SELECT strftime('%Y-%m', c.received_at) FROM complaints c WHERE c.id = OLD.complaint_id) IS NULL THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_steps_delete;
CREATE TRIGGER report_month_figures_steps_delete AFTER DELETE ON steps BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN (SELECT strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) FROM complaints c WHERE c.id = OLD.complaint_id)
                    AND (SELECT strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span)) FROM complaints c WHERE c.id = OLD.complaint_id);
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN (SELECT strftime('%Y-%m', c.received_at) FROM complaints c WHERE c.id = OLD.complaint_id) IS NULL THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_pauses_insert;
CREATE TRIGGER report_month_figures_pauses_insert AFTER INSERT ON pauses BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN (SELECT strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id)
                    AND (SELECT strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id);
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN (SELECT strftime('%Y-%m', c.received_at) FROM complaints c WHERE c.id = NEW.complaint_id) IS NULL THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_pauses_update;
CREATE TRIGGER report_month_figures_pauses_update AFTER UPDATE ON pauses BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN (SELECT strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id)
                    AND (SELECT strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id);
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN (SELECT strftime('%Y-%m', c.received_at) FROM complaints c WHERE c.id = NEW.complaint_id) IS NULL THEN '' END);
    DELETE FROM report_month_figures
    WHERE month BETWEEN (SELECT strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) FROM complaints c WHERE c.id = OLD.complaint_id)
                    AND (SELECT strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span)) FROM complaints c WHERE c.id = OLD.complaint_id);
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN (SELECT strftime('%Y-%m', c.received_at) FROM complaints c WHERE c.id = OLD.complaint_id) IS NULL THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_pauses_delete;
CREATE TRIGGER report_month_figures_pauses_delete AFTER DELETE ON pauses BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN (SELECT strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) FROM complaints c WHERE c.id = OLD.complaint_id)
                    AND (SELECT strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span)) FROM complaints c WHERE c.id = OLD.complaint_id);
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN (SELECT strftime('%Y-%m', c.received_at) FROM complaints c WHERE c.id = OLD.complaint_id) IS NULL THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_dispatches_insert;
CREATE TRIGGER report_month_figures_dispatches_insert AFTER INSERT ON dispatches BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN (SELECT strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id)
                    AND (SELECT strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id);
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN (SELECT strftime('%Y-%m', c.received_at) FROM complaints c WHERE c.id = NEW.complaint_id) IS NULL THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_dispatches_update;
CREATE TRIGGER report_month_figures_dispatches_update AFTER UPDATE ON dispatches BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN (SELECT strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id)
                    AND (SELECT strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id);
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN (SELECT strftime('%Y-%m', c.received_at) FROM complaints c WHERE c.id = NEW.complaint_id) IS NULL THEN '' END);
    DELETE FROM report_month_figures
    WHERE month BETWEEN (SELECT strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) FROM complaints c WHERE c.id = OLD.complaint_id)
                    AND (SELECT strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span)) FROM complaints c WHERE c.id = OLD.complaint_id);
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN (SELECT strftime('%Y-%m', c.received_at) FROM complaints c WHERE c.id = OLD.complaint_id) IS NULL THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_dispatches_delete;
CREATE TRIGGER report_month_figures_dispatches_delete AFTER DELETE ON dispatches BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN (SELECT strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) FROM complaints c WHERE c.id = OLD.complaint_id)
                    AND (SELECT strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span)) FROM complaints c WHERE c.id = OLD.complaint_id);
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN (SELECT strftime('%Y-%m', c.received_at) FROM complaints c WHERE c.id = OLD.complaint_id) IS NULL THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_events_insert;
CREATE TRIGGER report_month_figures_events_insert AFTER INSERT ON events WHEN NEW.complaint_id IS NOT NULL BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN (SELECT strftime('%Y-%m', c.received_at, (SELECT lo FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id)
                    AND (SELECT strftime('%Y-%m', c.received_at, (SELECT hi FROM report_month_zone_span)) FROM complaints c WHERE c.id = NEW.complaint_id);
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN (SELECT strftime('%Y-%m', c.received_at) FROM complaints c WHERE c.id = NEW.complaint_id) IS NULL THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_surveys_insert;
CREATE TRIGGER report_month_figures_surveys_insert AFTER INSERT ON surveys BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', NEW.surveyed_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', NEW.surveyed_at, (SELECT hi FROM report_month_zone_span));
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN strftime('%Y-%m', NEW.surveyed_at) IS NULL THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_surveys_update;
CREATE TRIGGER report_month_figures_surveys_update AFTER UPDATE ON surveys BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', OLD.surveyed_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', OLD.surveyed_at, (SELECT hi FROM report_month_zone_span));
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN strftime('%Y-%m', OLD.surveyed_at) IS NULL THEN '' END);
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', NEW.surveyed_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', NEW.surveyed_at, (SELECT hi FROM report_month_zone_span));
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN strftime('%Y-%m', NEW.surveyed_at) IS NULL THEN '' END);
END;

DROP TRIGGER IF EXISTS report_month_figures_surveys_delete;
CREATE TRIGGER report_month_figures_surveys_delete AFTER DELETE ON surveys BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', OLD.surveyed_at, (SELECT lo FROM report_month_zone_span)) AND strftime('%Y-%m', OLD.surveyed_at, (SELECT hi FROM report_month_zone_span));
    DELETE FROM report_month_figures WHERE month >= (CASE WHEN strftime('%Y-%m', OLD.surveyed_at) IS NULL THEN '' END);
END;
