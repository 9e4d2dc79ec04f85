-- Issue 8: the board's "closed today" column lists complaints closed since midnight, newest
-- first. Without this index it walked every closed complaint (~990,000 at a million, ~0.6-9 s).
CREATE INDEX IF NOT EXISTS complaints_closed_at ON complaints(closed_at);
