-- The skill catalog (issue 16); see the PostgreSQL migration.
CREATE TABLE skill_retirements (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    org          TEXT NOT NULL DEFAULT 'default',
    skill        TEXT NOT NULL,
    retire_after TEXT NOT NULL CHECK (retire_after GLOB '????-??-??T??:??:??.???Z'),
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at   TEXT,
    checked_at   TEXT,
    blocked_by   TEXT,
    clear_since  TEXT,
    retired_at   TEXT,
    outcome      TEXT CHECK (outcome IN ('deleted', 'deactivated', 'already_gone')),
    UNIQUE (org, skill)
);

CREATE TABLE skill_catalog (
    org       TEXT NOT NULL DEFAULT 'default',
    name      TEXT NOT NULL,
    state     TEXT NOT NULL CHECK (state IN ('active', 'inactive', 'deleted')),
    listed_at TEXT NOT NULL CHECK (listed_at GLOB '????-??-??T??:??:??.???Z'),
    PRIMARY KEY (org, name)
);
