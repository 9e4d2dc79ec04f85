-- Schema version 2: intake drafts that survive a closed window or a crash, and sign-in throttling.

-- One draft per user and form (e.g. the intake form). Written as the clerk types, in its own
-- small transaction, so a crash loses at most the last keystrokes.
CREATE TABLE drafts (
    user_id     TEXT NOT NULL REFERENCES users(id),
    form        TEXT NOT NULL,
    json        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, form)
);

-- Failed sign-ins per login, so guessing passwords is slowed down even across restarts.
CREATE TABLE sign_in_failures (
    login        TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_at      TEXT NOT NULL
);
