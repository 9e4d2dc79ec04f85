-- Issue 8, case 5b: a month's report computed again after one of its complaints changed. Its
-- ~50,000 complaints and ~57,000 surveys were read row by row, each a look-up in a table
-- scattered over the whole file (a month's complaints and surveys are written over years:
-- late surveys, reopenings, back-entered paper forms); most of reading the month's facts.
-- These two indexes have every column the report reads of a complaint and of a survey, so a
-- month is one sequential index range each.
-- complaints_month starts with complaints_report's columns (0007) and takes its place: the
-- flags' and ledger's window, the steps and the ratings are read through it as before, and a
-- write still updates one index for the report. surveys_month starts with surveyed_at and
-- takes surveys_at's place (0001).
CREATE INDEX IF NOT EXISTS complaints_month
    ON complaints(received_at, id, stage, branch_id, customer_id, worker_id, is_repeat, nature, warning_level, category, sub_category,
                  channel, tier, closed_at, department_id, number, owner_id, customer_name, contact_phone);
DROP INDEX IF EXISTS complaints_report;
CREATE INDEX IF NOT EXISTS surveys_month
    ON surveys(surveyed_at, complaint_id, overall, speed, attitude, result, method, department_id, comment);
DROP INDEX IF EXISTS surveys_at;
