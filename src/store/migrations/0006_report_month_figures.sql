-- Issue 8 (a million complaints), case 5: the monthly report's twelve-month trend.
--
-- The figures of a month that has ended no longer change with time: only a write to the rows
-- they are computed from can change them. The whole-company, unfiltered figures of such a month
-- (the Dimension::Month row of src/report/kpi.rs) are kept here, so the report loads the facts
-- of one month instead of twelve (src/report/trend.rs). `version` is the code's
-- FIGURES_VERSION: a row written by another definition of the KPIs is never served.
CREATE TABLE IF NOT EXISTS report_month_figures (
    month        TEXT PRIMARY KEY,          -- 'YYYY-MM', in the branches' local time
    version      INTEGER NOT NULL,
    figures      TEXT NOT NULL,             -- JSON, see src/report/trend.rs
    computed_at  TEXT NOT NULL
);

-- Invalidation, on EVERY write path (commands, CLI, import, demo generator, restore): a write
-- to anything a month's figures are computed from deletes the stored months it can touch.
-- Months are cut at local midnights (UTC−12 … UTC+14): the local month of an instant is the UTC
-- month of the instant ± one day, so deleting both covers it. An instant SQLite cannot read
-- (NULL) deletes everything: conservative, a stale figure would be a wrong report.

-- A complaint: its month of receipt, before and after, and the months of its surveys (their
-- branch and whether they count follow the complaint).
CREATE TRIGGER IF NOT EXISTS report_month_figures_complaint_insert AFTER INSERT ON complaints BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', NEW.received_at, '-1 day') AND strftime('%Y-%m', NEW.received_at, '+1 day')
       OR strftime('%Y-%m', NEW.received_at) IS NULL;
END;

CREATE TRIGGER IF NOT EXISTS report_month_figures_complaint_update AFTER UPDATE ON complaints BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', OLD.received_at, '-1 day') AND strftime('%Y-%m', OLD.received_at, '+1 day')
       OR month BETWEEN strftime('%Y-%m', NEW.received_at, '-1 day') AND strftime('%Y-%m', NEW.received_at, '+1 day')
       OR strftime('%Y-%m', OLD.received_at) IS NULL OR strftime('%Y-%m', NEW.received_at) IS NULL
       OR EXISTS (SELECT 1 FROM surveys s WHERE s.complaint_id IN (OLD.id, NEW.id)
                  AND (month BETWEEN strftime('%Y-%m', s.surveyed_at, '-1 day') AND strftime('%Y-%m', s.surveyed_at, '+1 day')
                       OR strftime('%Y-%m', s.surveyed_at) IS NULL));
END;

CREATE TRIGGER IF NOT EXISTS report_month_figures_complaint_delete AFTER DELETE ON complaints BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', OLD.received_at, '-1 day') AND strftime('%Y-%m', OLD.received_at, '+1 day')
       OR strftime('%Y-%m', OLD.received_at) IS NULL
       OR EXISTS (SELECT 1 FROM surveys s WHERE s.complaint_id = OLD.id
                  AND (month BETWEEN strftime('%Y-%m', s.surveyed_at, '-1 day') AND strftime('%Y-%m', s.surveyed_at, '+1 day')
                       OR strftime('%Y-%m', s.surveyed_at) IS NULL));
END;

-- Rows of a complaint (deadline steps, pauses, dispatches, timeline events: on-time rates,
-- business-hours durations, department, first response): the complaint's month of receipt. A
-- complaint that cannot be found (NULL) deletes everything.
CREATE TRIGGER IF NOT EXISTS report_month_figures_steps_insert AFTER INSERT ON steps BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, '-1 day') AND strftime('%Y-%m', c.received_at, '+1 day')
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0;
END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_steps_update AFTER UPDATE ON steps BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, '-1 day') AND strftime('%Y-%m', c.received_at, '+1 day')
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0
     OR (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, '-1 day') AND strftime('%Y-%m', c.received_at, '+1 day')
        FROM complaints c WHERE c.id = OLD.complaint_id) IS NOT 0;
END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_steps_delete AFTER DELETE ON steps BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, '-1 day') AND strftime('%Y-%m', c.received_at, '+1 day')
        FROM complaints c WHERE c.id = OLD.complaint_id) IS NOT 0;
END;

CREATE TRIGGER IF NOT EXISTS report_month_figures_pauses_insert AFTER INSERT ON pauses BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, '-1 day') AND strftime('%Y-%m', c.received_at, '+1 day')
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0;
END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_pauses_update AFTER UPDATE ON pauses BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, '-1 day') AND strftime('%Y-%m', c.received_at, '+1 day')
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0
     OR (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, '-1 day') AND strftime('%Y-%m', c.received_at, '+1 day')
        FROM complaints c WHERE c.id = OLD.complaint_id) IS NOT 0;
END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_pauses_delete AFTER DELETE ON pauses BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, '-1 day') AND strftime('%Y-%m', c.received_at, '+1 day')
        FROM complaints c WHERE c.id = OLD.complaint_id) IS NOT 0;
END;

CREATE TRIGGER IF NOT EXISTS report_month_figures_dispatches_insert AFTER INSERT ON dispatches BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, '-1 day') AND strftime('%Y-%m', c.received_at, '+1 day')
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0;
END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_dispatches_update AFTER UPDATE ON dispatches BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, '-1 day') AND strftime('%Y-%m', c.received_at, '+1 day')
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0
     OR (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, '-1 day') AND strftime('%Y-%m', c.received_at, '+1 day')
        FROM complaints c WHERE c.id = OLD.complaint_id) IS NOT 0;
END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_dispatches_delete AFTER DELETE ON dispatches BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, '-1 day') AND strftime('%Y-%m', c.received_at, '+1 day')
        FROM complaints c WHERE c.id = OLD.complaint_id) IS NOT 0;
END;

-- The timeline only ever grows (events_no_update / events_no_delete); an event of a complaint
-- may be its first response.
CREATE TRIGGER IF NOT EXISTS report_month_figures_events_insert AFTER INSERT ON events WHEN NEW.complaint_id IS NOT NULL BEGIN
    DELETE FROM report_month_figures WHERE (SELECT
        month BETWEEN strftime('%Y-%m', c.received_at, '-1 day') AND strftime('%Y-%m', c.received_at, '+1 day')
        FROM complaints c WHERE c.id = NEW.complaint_id) IS NOT 0;
END;

-- A survey: the month it was taken in (CSAT), before and after.
CREATE TRIGGER IF NOT EXISTS report_month_figures_surveys_insert AFTER INSERT ON surveys BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', NEW.surveyed_at, '-1 day') AND strftime('%Y-%m', NEW.surveyed_at, '+1 day')
       OR strftime('%Y-%m', NEW.surveyed_at) IS NULL;
END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_surveys_update AFTER UPDATE ON surveys BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', OLD.surveyed_at, '-1 day') AND strftime('%Y-%m', OLD.surveyed_at, '+1 day')
       OR month BETWEEN strftime('%Y-%m', NEW.surveyed_at, '-1 day') AND strftime('%Y-%m', NEW.surveyed_at, '+1 day')
       OR strftime('%Y-%m', OLD.surveyed_at) IS NULL OR strftime('%Y-%m', NEW.surveyed_at) IS NULL;
END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_surveys_delete AFTER DELETE ON surveys BEGIN
    DELETE FROM report_month_figures
    WHERE month BETWEEN strftime('%Y-%m', OLD.surveyed_at, '-1 day') AND strftime('%Y-%m', OLD.surveyed_at, '+1 day')
       OR strftime('%Y-%m', OLD.surveyed_at) IS NULL;
END;

-- What cuts months and measures business hours (time zone, hours, calendars, the order of the
-- branches), and settings: rare administrative changes, so every stored month goes.
CREATE TRIGGER IF NOT EXISTS report_month_figures_branches_insert AFTER INSERT ON branches BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_branches_update AFTER UPDATE ON branches BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_branches_delete AFTER DELETE ON branches BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_calendar_days_insert AFTER INSERT ON calendar_days BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_calendar_days_update AFTER UPDATE ON calendar_days BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_calendar_days_delete AFTER DELETE ON calendar_days BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_calendar_years_insert AFTER INSERT ON calendar_years BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_calendar_years_update AFTER UPDATE ON calendar_years BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_calendar_years_delete AFTER DELETE ON calendar_years BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_policies_insert AFTER INSERT ON deadline_policies BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_policies_update AFTER UPDATE ON deadline_policies BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_policies_delete AFTER DELETE ON deadline_policies BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_settings_insert AFTER INSERT ON settings BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_settings_update AFTER UPDATE ON settings BEGIN DELETE FROM report_month_figures; END;
CREATE TRIGGER IF NOT EXISTS report_month_figures_settings_delete AFTER DELETE ON settings BEGIN DELETE FROM report_month_figures; END;

-- A restore replaces every table at once (src/store/backup/restore.rs) and then logs its run:
-- the stored months came with the backup, consistent with it, but go anyway.
CREATE TRIGGER IF NOT EXISTS report_month_figures_restore AFTER INSERT ON backup_runs WHEN NEW.trigger = 'restore' BEGIN
    DELETE FROM report_month_figures;
END;

-- Loading one month's facts reads each complaint's deadline steps: covering them spares one
-- random read of the (wide) steps table per step.
CREATE INDEX IF NOT EXISTS steps_report ON steps(complaint_id, kind, due_at, completed_at);
-- … and each complaint's last dispatch (its department).
CREATE INDEX IF NOT EXISTS dispatches_last ON dispatches(complaint_id, dispatched_at, department_id);
