-- Issue 8 (a million complaints), case 5: the monthly report of one month in well under a
-- second. Read from these alone (index-only), without the wide complaint and survey rows:
-- the complaints the flags (R7.5) and the bad-record ledger (R7.9) count over their window, the
-- ids the month's steps and surveys are joined by, and each complaint's survey ratings.
CREATE INDEX IF NOT EXISTS complaints_report
    ON complaints(received_at, id, stage, branch_id, customer_id, worker_id, is_repeat, nature, warning_level, category, sub_category);
CREATE INDEX IF NOT EXISTS surveys_report ON surveys(complaint_id, surveyed_at, overall);
