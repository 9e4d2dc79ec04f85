-- Issue 8 (a million complaints): indexes the benchmark suite's profiles asked for.
-- IF NOT EXISTS so a benchmark database that had them applied by hand still migrates.

-- The board's order (R3.6 repeat first, then urgency) exactly, so one stage's first page reads
-- 200 rows instead of sorting every open complaint of the stage (follow_up: 4,495 at 1M).
CREATE INDEX IF NOT EXISTS complaints_board
    ON complaints(stage, is_repeat DESC, next_due_at IS NULL, next_due_at, received_at DESC);

-- A complaint's own rows in the tables that had no complaint_id index: reading one complaint
-- (detail, receipt, timeline view) scanned each of them (receipt 36 ms at 10k, 272 ms at 1M).
CREATE INDEX IF NOT EXISTS implementations_complaint ON implementations(complaint_id);
CREATE INDEX IF NOT EXISTS compensation_approvals_complaint ON compensation_approvals(complaint_id);
CREATE INDEX IF NOT EXISTS major_reports_complaint ON major_reports(complaint_id);
CREATE INDEX IF NOT EXISTS urges_complaint ON urges(complaint_id);
CREATE INDEX IF NOT EXISTS contact_attempts_complaint ON contact_attempts(complaint_id);
