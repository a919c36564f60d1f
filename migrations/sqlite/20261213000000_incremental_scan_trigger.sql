-- Jobs started by the incremental drift-scan schedule (reconcile.incremental_scan_cron) or by
-- POST /v1/reconcile {"incremental": true}: they plan only the agents the platform reports
-- changed since the stored scan cursor (daemon_state key 'scan_cursor').
--
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt. The usual way
-- (https://sqlite.org/lang_altertable.html#otheralter) turns foreign keys off first, which is
-- impossible inside the transaction sqlx runs every SQLite migration in; with them on, dropping
-- the old table cascades into work_items. So work_items' rows are set aside and put back.
CREATE TEMP TABLE work_items_aside AS SELECT * FROM work_items;
CREATE TABLE jobs_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger          TEXT    NOT NULL
        CHECK (trigger IN ('feed', 'schedule', 'manual', 'startup', 'certification', 'incremental_scan')),
    feed_id          INTEGER,
    agent_key        TEXT,                                -- a one-agent run; NULL = everyone
    status           TEXT    NOT NULL
        CHECK (status IN ('queued', 'approved', 'running', 'held', 'succeeded', 'failed', 'rejected', 'superseded')),
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                     CHECK (created_at GLOB '????-??-??T??:??:??.???Z'),
    started_at       TEXT    CHECK (started_at GLOB '????-??-??T??:??:??.???Z'),
    finished_at      TEXT    CHECK (finished_at GLOB '????-??-??T??:??:??.???Z'),
    coalesced        INTEGER NOT NULL DEFAULT 0,          -- triggers merged into this job
    held_reasons     TEXT    CHECK (json_valid(held_reasons)),
    held_destructive INTEGER,                             -- destructive changes when held
    decided_by       TEXT,                                -- token name that approved or rejected
    plan             TEXT    CHECK (json_valid(plan)),    -- plan summary and changes
    counts           TEXT    CHECK (json_valid(counts)),
    error            TEXT,
    lease_owner      TEXT,
    lease_until      TEXT    CHECK (lease_until GLOB '????-??-??T??:??:??.???Z')
);
INSERT INTO jobs_new (id, trigger, feed_id, agent_key, status, created_at, started_at, finished_at,
                      coalesced, held_reasons, held_destructive, decided_by, plan, counts, error,
                      lease_owner, lease_until)
    SELECT id, trigger, feed_id, agent_key, status, created_at, started_at, finished_at,
           coalesced, held_reasons, held_destructive, decided_by, plan, counts, error,
           lease_owner, lease_until
    FROM jobs;
-- Ids are never reused: the new table continues the old one's sequence, not its highest id.
DELETE FROM sqlite_sequence WHERE name = 'jobs_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'jobs_new', seq FROM sqlite_sequence WHERE name = 'jobs';
-- Deletes every work item (ON DELETE CASCADE); they come back below.
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE UNIQUE INDEX jobs_one_queued ON jobs (status) WHERE status = 'queued';
CREATE INDEX jobs_open ON jobs (status) WHERE status IN ('queued', 'approved', 'running', 'held');
INSERT INTO work_items SELECT * FROM work_items_aside;
DROP TABLE work_items_aside;
