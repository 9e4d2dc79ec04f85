-- Issue 8, register: every index on a table is one more B-tree written on each insert (a
-- registration writes one complaint row and three or four step rows). Each of these starts
-- with the same columns as a wider index added since, which serves every query it served
-- (`migrations::tests::no_index_is_the_leading_part_of_another` keeps it so):
--   complaints_stage     (stage, is_repeat DESC, next_due_at)    complaints_board (0005): the
--                        board's order (stage, is_repeat DESC, next_due_at IS NULL, next_due_at…)
--                        is the only one that reads a stage in urgency order
--   complaints_received  (received_at)                           complaints_month (0011)
--   complaints_closed    (closed_at) WHERE closed_at IS NOT NULL complaints_closed_at (0009)
--   steps_complaint      (complaint_id)                          steps_report (0006)
--   steps_open           (complaint_id) WHERE completed_at IS NULL
--                                                                steps_report, which holds
--                        completed_at: a complaint's few steps are filtered inside the index
--   dispatches_complaint (complaint_id)                          dispatches_last (0006)
--   surveys_complaint    (complaint_id)                          surveys_report (0007)
-- IF EXISTS: a database built or restored from a later layout may not have them.
DROP INDEX IF EXISTS complaints_stage;
DROP INDEX IF EXISTS complaints_received;
DROP INDEX IF EXISTS complaints_closed;
DROP INDEX IF EXISTS steps_complaint;
DROP INDEX IF EXISTS steps_open;
DROP INDEX IF EXISTS dispatches_complaint;
DROP INDEX IF EXISTS surveys_complaint;
