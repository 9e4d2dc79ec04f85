-- Schema version 3: the monthly report (R7.3) as filed, and indexes for the KPIs (R7.4).

-- One row per month (YYYY-MM in the branch's time zone) once a manager has filed its report.
-- Filing again amends it (revision + 1); every filing is also on the timeline (R7.1).
CREATE TABLE monthly_reports (
    month        TEXT PRIMARY KEY,
    filed_by     TEXT NOT NULL REFERENCES users(id),
    filed_at     TEXT NOT NULL,
    suggestions  TEXT NOT NULL DEFAULT '',
    revision     INTEGER NOT NULL DEFAULT 1,
    totals_json  TEXT NOT NULL              -- the month's KPIs as they were when filed
);

-- Every step of a complaint (the existing index covers only the open ones): on-time rates.
CREATE INDEX steps_complaint ON steps(complaint_id);
-- First response = the first stage reply or customer decision of a complaint (R7.4).
CREATE INDEX events_first_response ON events(complaint_id, at) WHERE kind IN ('replied', 'customer_decision');
-- Resolution by closing time.
CREATE INDEX complaints_closed ON complaints(closed_at) WHERE closed_at IS NOT NULL;
