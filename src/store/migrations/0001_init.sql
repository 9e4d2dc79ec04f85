-- Complaint Desk schema, version 1. Times are UTC RFC 3339 text; ids are UUIDv7 text.
-- Enumerations are stored as the snake_case codes of src/model/enums.rs.

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL             -- JSON
);

CREATE TABLE branches (
    id            TEXT PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    tz            TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    phone         TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    policy_code   TEXT NOT NULL DEFAULT 'hourly',
    calendar_code TEXT NOT NULL DEFAULT 'cn-mainland',
    hours_json    TEXT NOT NULL,
    logo_png      BLOB,
    created_at    TEXT NOT NULL
);

CREATE TABLE departments (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    is_cs      INTEGER NOT NULL DEFAULT 0,
    active     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    login          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    role           TEXT NOT NULL,
    department_id  TEXT REFERENCES departments(id),
    branch_id      TEXT REFERENCES branches(id),
    password_hash  TEXT,
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL
);

CREATE TABLE customers (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    tier           TEXT NOT NULL,
    address        TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    anonymised_at  TEXT
);

CREATE TABLE customer_phones (
    phone        TEXT NOT NULL,           -- digits only
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    PRIMARY KEY (phone, customer_id)
);
CREATE INDEX customer_phones_customer ON customer_phones(customer_id);

CREATE TABLE workers (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL DEFAULT '',  -- 家政员/保洁员/月嫂/护工 …
    branch_id  TEXT REFERENCES branches(id),
    phone      TEXT NOT NULL DEFAULT '',
    active     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE service_orders (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    customer_id  TEXT REFERENCES customers(id),
    worker_id    TEXT REFERENCES workers(id),
    service_type TEXT NOT NULL DEFAULT '',
    start_date   TEXT
);

CREATE TABLE deadline_policies (
    code        TEXT PRIMARY KEY,
    json        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE calendar_days (
    calendar  TEXT NOT NULL,
    date      TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (calendar, date)
);

CREATE TABLE calendar_years (
    calendar  TEXT NOT NULL,
    year      INTEGER NOT NULL,
    PRIMARY KEY (calendar, year)
);

CREATE TABLE duty_rosters (
    id             TEXT PRIMARY KEY,
    department_id  TEXT NOT NULL REFERENCES departments(id),
    holiday_name   TEXT NOT NULL,
    start_date     TEXT NOT NULL,
    end_date       TEXT NOT NULL,
    content        TEXT NOT NULL,
    filed_by       TEXT NOT NULL REFERENCES users(id),
    filed_at       TEXT NOT NULL,
    on_time        INTEGER NOT NULL
);

CREATE TABLE templates (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,            -- description | dispatch_note | reply | decision
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_by  TEXT REFERENCES users(id),
    created_at  TEXT NOT NULL
);

CREATE TABLE number_sequences (
    branch_id  TEXT NOT NULL,
    day        TEXT NOT NULL,
    last       INTEGER NOT NULL,
    PRIMARY KEY (branch_id, day)
);

CREATE TABLE complaints (
    id                 TEXT PRIMARY KEY,
    number             TEXT NOT NULL UNIQUE,
    branch_id          TEXT NOT NULL REFERENCES branches(id),
    customer_id        TEXT NOT NULL REFERENCES customers(id),
    customer_name      TEXT NOT NULL,
    contact_phone      TEXT NOT NULL,
    tier               TEXT NOT NULL,      -- frozen at registration (R2.2)
    nature             TEXT NOT NULL,
    major_reasons      TEXT NOT NULL DEFAULT '[]',
    channel            TEXT NOT NULL,
    transfer_source    TEXT,
    category           TEXT NOT NULL,
    sub_category       TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL,
    households         INTEGER NOT NULL DEFAULT 1,
    received_at        TEXT NOT NULL,
    registered_at      TEXT NOT NULL,
    owner_id           TEXT NOT NULL REFERENCES users(id),
    address            TEXT NOT NULL DEFAULT '',
    incident_at        TEXT,
    incident_place     TEXT NOT NULL DEFAULT '',
    service_order_no   TEXT NOT NULL DEFAULT '',
    worker_id          TEXT REFERENCES workers(id),
    expected_outcome   TEXT NOT NULL DEFAULT '',
    reply_method       TEXT,
    warning_level      INTEGER NOT NULL DEFAULT 1 CHECK (warning_level BETWEEN 1 AND 3),
    stage              TEXT NOT NULL,
    department_id      TEXT REFERENCES departments(id),
    assignee_id        TEXT REFERENCES users(id),
    is_repeat          INTEGER NOT NULL DEFAULT 0,
    policy_code        TEXT NOT NULL,
    signature_status   TEXT NOT NULL,      -- signed | not_obtained
    signature_note     TEXT NOT NULL DEFAULT '',
    finding            TEXT,
    awaiting_since     TEXT,
    closed_at          TEXT,
    close_reason       TEXT NOT NULL DEFAULT '',
    review_opinion     TEXT NOT NULL DEFAULT '',
    next_due_at        TEXT,               -- earliest due time of the open steps (board order)
    next_soon_at       TEXT,               -- earliest due-soon instant of the open steps (R4.6)
    updated_at         TEXT NOT NULL
);
CREATE INDEX complaints_stage ON complaints(stage, is_repeat DESC, next_due_at);
CREATE INDEX complaints_next_due ON complaints(next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX complaints_customer ON complaints(customer_id, received_at);
CREATE INDEX complaints_received ON complaints(received_at);
CREATE INDEX complaints_department ON complaints(department_id, stage);
CREATE INDEX complaints_worker ON complaints(worker_id);

CREATE TABLE complaint_links (
    from_id     TEXT NOT NULL REFERENCES complaints(id),
    to_id       TEXT NOT NULL REFERENCES complaints(id),
    kind        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (from_id, to_id, kind)
);
CREATE INDEX complaint_links_to ON complaint_links(to_id);

CREATE TABLE steps (
    id               TEXT PRIMARY KEY,
    complaint_id     TEXT NOT NULL REFERENCES complaints(id),
    kind             TEXT NOT NULL,
    department_id    TEXT REFERENCES departments(id),
    started_at       TEXT NOT NULL,
    limit_json       TEXT NOT NULL,
    due_at           TEXT NOT NULL,
    soon_at          TEXT NOT NULL,
    calendar_warning INTEGER NOT NULL DEFAULT 0,
    completed_at     TEXT,
    completed_by     TEXT REFERENCES users(id),
    overdue_reason   TEXT NOT NULL DEFAULT '',
    note             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX steps_open ON steps(complaint_id) WHERE completed_at IS NULL;
CREATE INDEX steps_due ON steps(due_at) WHERE completed_at IS NULL;

CREATE TABLE pauses (
    id            TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL REFERENCES complaints(id),
    start_at      TEXT NOT NULL,
    end_at        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    signature_id  TEXT REFERENCES signatures(id),
    created_by    TEXT NOT NULL REFERENCES users(id),
    created_at    TEXT NOT NULL
);
CREATE INDEX pauses_complaint ON pauses(complaint_id);

CREATE TABLE dispatches (
    id              TEXT PRIMARY KEY,
    complaint_id    TEXT NOT NULL REFERENCES complaints(id),
    kind            TEXT NOT NULL,         -- dispatch | transfer | redispatch
    department_id   TEXT NOT NULL REFERENCES departments(id),
    assignee_id     TEXT REFERENCES users(id),
    note            TEXT NOT NULL,
    due_at          TEXT NOT NULL,
    dispatched_by   TEXT NOT NULL REFERENCES users(id),
    dispatched_at   TEXT NOT NULL,
    outcome         TEXT,                  -- returned | transferred | answered
    outcome_reason  TEXT NOT NULL DEFAULT '',
    ended_at        TEXT
);
CREATE INDEX dispatches_complaint ON dispatches(complaint_id);

CREATE TABLE handlings (
    id            TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL REFERENCES complaints(id),
    finding       TEXT NOT NULL,
    root_cause    TEXT NOT NULL,
    solution      TEXT NOT NULL,
    recorded_by   TEXT NOT NULL REFERENCES users(id),
    recorded_at   TEXT NOT NULL
);
CREATE INDEX handlings_complaint ON handlings(complaint_id);

CREATE TABLE decisions (
    id            TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL REFERENCES complaints(id),
    handling_id   TEXT REFERENCES handlings(id),
    decision_text TEXT NOT NULL,           -- the written handling decision (R5.6)
    agreed        INTEGER,                 -- NULL until the customer answers
    objection     TEXT NOT NULL DEFAULT '',
    signature_id  TEXT REFERENCES signatures(id),
    proposed_by   TEXT NOT NULL REFERENCES users(id),
    proposed_at   TEXT NOT NULL,
    answered_at   TEXT
);
CREATE INDEX decisions_complaint ON decisions(complaint_id);

CREATE TABLE compensation_approvals (
    id            TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL REFERENCES complaints(id),
    max_cents     INTEGER NOT NULL,
    note          TEXT NOT NULL,
    approved_by   TEXT NOT NULL REFERENCES users(id),
    approved_at   TEXT NOT NULL
);

CREATE TABLE implementations (
    id            TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL REFERENCES complaints(id),
    actions       TEXT NOT NULL,
    done_by       TEXT NOT NULL,
    done_at       TEXT NOT NULL,
    recorded_by   TEXT NOT NULL REFERENCES users(id),
    recorded_at   TEXT NOT NULL
);

CREATE TABLE compensations (
    id                 TEXT PRIMARY KEY,
    complaint_id       TEXT NOT NULL REFERENCES complaints(id),
    implementation_id  TEXT NOT NULL REFERENCES implementations(id),
    kind               TEXT NOT NULL,
    amount_cents       INTEGER NOT NULL DEFAULT 0,
    note               TEXT NOT NULL DEFAULT '',
    approval_id        TEXT REFERENCES compensation_approvals(id)
);
CREATE INDEX compensations_complaint ON compensations(complaint_id);

CREATE TABLE surveys (
    id             TEXT PRIMARY KEY,
    complaint_id   TEXT NOT NULL REFERENCES complaints(id),
    overall        TEXT NOT NULL,
    speed          TEXT,
    attitude       TEXT,
    result         TEXT,
    comment        TEXT NOT NULL DEFAULT '',
    method         TEXT NOT NULL,
    signature_id   TEXT REFERENCES signatures(id),
    department_id  TEXT REFERENCES departments(id),
    surveyed_by    TEXT NOT NULL REFERENCES users(id),
    surveyed_at    TEXT NOT NULL
);
CREATE INDEX surveys_complaint ON surveys(complaint_id);
CREATE INDEX surveys_at ON surveys(surveyed_at);

CREATE TABLE contact_attempts (
    id            TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL REFERENCES complaints(id),
    note          TEXT NOT NULL DEFAULT '',
    made_by       TEXT NOT NULL REFERENCES users(id),
    made_at       TEXT NOT NULL
);

CREATE TABLE urges (
    id             TEXT PRIMARY KEY,
    complaint_id   TEXT NOT NULL REFERENCES complaints(id),
    department_id  TEXT REFERENCES departments(id),
    note           TEXT NOT NULL,
    urged_by       TEXT NOT NULL REFERENCES users(id),
    urged_at       TEXT NOT NULL
);

CREATE TABLE major_reports (
    id            TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL REFERENCES complaints(id),
    informed      TEXT NOT NULL,
    informed_at   TEXT NOT NULL,
    reported_by   TEXT NOT NULL REFERENCES users(id),
    recorded_at   TEXT NOT NULL
);

CREATE TABLE escalation_acks (
    id            TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL REFERENCES complaints(id),
    level         TEXT NOT NULL,
    acked_by      TEXT NOT NULL REFERENCES users(id),
    acked_at      TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    UNIQUE (complaint_id, level)
);

CREATE TABLE signatures (
    id             TEXT PRIMARY KEY,
    complaint_id   TEXT NOT NULL REFERENCES complaints(id),
    purpose        TEXT NOT NULL,
    signer_name    TEXT NOT NULL,
    strokes_json   TEXT NOT NULL,
    png            BLOB,
    content_json   TEXT NOT NULL,
    digest         TEXT NOT NULL,
    signed_at      TEXT NOT NULL,
    recorded_by    TEXT NOT NULL REFERENCES users(id)
);
CREATE INDEX signatures_complaint ON signatures(complaint_id);

CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL REFERENCES complaints(id),
    file_name     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    mime          TEXT NOT NULL,
    added_by      TEXT NOT NULL REFERENCES users(id),
    added_at      TEXT NOT NULL
);
CREATE INDEX attachments_complaint ON attachments(complaint_id);

CREATE TABLE cases (
    id            TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL UNIQUE REFERENCES complaints(id),
    title         TEXT NOT NULL,
    analysis      TEXT NOT NULL,
    lessons       TEXT NOT NULL,
    added_by      TEXT NOT NULL REFERENCES users(id),
    added_at      TEXT NOT NULL
);

CREATE TABLE saved_views (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    filter_json  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (user_id, name)
);

-- The timeline (R7.1): append-only and hash-chained across the whole database.
CREATE TABLE events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    complaint_id  TEXT REFERENCES complaints(id),
    at            TEXT NOT NULL,
    actor_id      TEXT,
    kind          TEXT NOT NULL,
    data          TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX events_complaint ON events(complaint_id, seq);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;

-- R7.2: complaint records are never deleted; personal data is anonymised instead (after retention).
CREATE TRIGGER complaints_no_delete BEFORE DELETE ON complaints
BEGIN SELECT RAISE(ABORT, 'complaint records are kept; anonymise instead'); END;
CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures are evidence and are kept'); END;
CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures are evidence and are kept'); END;
CREATE TRIGGER surveys_no_delete BEFORE DELETE ON surveys
BEGIN SELECT RAISE(ABORT, 'survey records are kept'); END;
CREATE TRIGGER customers_no_delete BEFORE DELETE ON customers
BEGIN SELECT RAISE(ABORT, 'customer records are kept; anonymise instead'); END;

-- Substring search (R7.10). `complaint_fts` (trigram) answers queries of three or more characters;
-- `complaint_fts_cjk` holds the same text with every Han character as its own token, so one- and
-- two-character Chinese queries (空调) run as phrase queries.
CREATE VIRTUAL TABLE complaint_fts USING fts5(body, tokenize = 'trigram');
CREATE VIRTUAL TABLE complaint_fts_cjk USING fts5(body, tokenize = 'unicode61', detail = 'full');
