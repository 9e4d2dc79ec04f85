-- Issue 25, items 1 and 9.
-- An administrator who creates an account or resets its password knows that password: its owner
-- must choose their own at the first sign-in (R7.7, every action by a named person).
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- Failed sign-ins of the whole desk, whatever the login: guessing across many logins is held
-- back too, not only repeated guesses at one. Pruned to the last day as it is written.
CREATE TABLE desk_sign_in_failures (
    at TEXT NOT NULL
);

-- The complaints the demo generator made. Any other complaint is a real one, and once a real one
-- exists demo data is refused: fake complaints would sit in the KPIs of a live office for good.
-- No backfill: a database from before this migration holds no mark, so demo data is refused on it
-- if it has any complaint at all (failing closed).
CREATE TABLE demo_complaints (
    complaint_id TEXT PRIMARY KEY
);
