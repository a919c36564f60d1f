-- Per-org leases (issue 14); see the PostgreSQL migration. On SQLite one process holds them all.
CREATE TABLE org_leases (
    org        TEXT PRIMARY KEY,
    owner      TEXT,
    expires_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    claimed_at TEXT
);

CREATE TABLE replicas (
    owner      TEXT PRIMARY KEY,
    seen_until TEXT NOT NULL
);
