-- Routine changes wait (issue 15): they are not made while an agent is on an interaction, nor
-- outside the org's change windows.
-- - An agent on an interaction: its work item ends 'deferred' (a final status for the job: the
--   agent's routine changes wait), the agent's state is 'deferred' and `deferred_since` says
--   when its routine changes first started waiting. A job with trigger 'deferred_recheck'
--   re-reads only the agents whose routine changes were deferred.
-- - Outside a change window: a planned routine job has status 'waiting_window' until its org's
--   window opens; `not_before` says when it is due again. It is open work, so jobs_open
--   includes it.
--
-- SQLite cannot change a CHECK constraint in place, so jobs, work_items and agents are rebuilt
-- (see 20261213000000_incremental_scan_trigger and 20261227000000_org_scope), keeping every
-- other column, default, check, key and index as it was. Foreign keys stay on inside the
-- transaction sqlx runs every SQLite migration in, so dropping jobs would cascade into
-- work_items: work_items' rows are set aside and its table dropped first, then jobs is replaced
-- and work_items is created again, pointing at the new jobs table, and its rows put back.

-- jobs: status 'waiting_window', trigger 'deferred_recheck', column not_before.
CREATE TEMP TABLE work_items_aside AS SELECT * FROM work_items;
DROP TABLE work_items;
CREATE TABLE jobs_new (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger           TEXT    NOT NULL
        CHECK (trigger IN ('feed', 'schedule', 'manual', 'startup', 'certification', 'incremental_scan',
                           'deferred_recheck')),
    feed_id           INTEGER,
    agent_key         TEXT,                               -- a one-agent run; NULL = everyone
    status            TEXT    NOT NULL
        CHECK (status IN ('queued', 'approved', 'running', 'held', 'succeeded', 'failed', 'rejected',
                          'superseded', 'waiting_window')),
    created_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                      CHECK (created_at GLOB '????-??-??T??:??:??.???Z'),
    started_at        TEXT    CHECK (started_at GLOB '????-??-??T??:??:??.???Z'),
    finished_at       TEXT    CHECK (finished_at GLOB '????-??-??T??:??:??.???Z'),
    coalesced         INTEGER NOT NULL DEFAULT 0,         -- triggers merged into this job
    held_reasons      TEXT    CHECK (json_valid(held_reasons)),
    held_destructive  INTEGER,                            -- destructive changes when held
    decided_by        TEXT,                               -- token name that approved or rejected
    plan              TEXT    CHECK (json_valid(plan)),   -- plan summary and changes
    counts            TEXT    CHECK (json_valid(counts)),
    error             TEXT,
    lease_owner       TEXT,
    lease_until       TEXT    CHECK (lease_until GLOB '????-??-??T??:??:??.???Z'),
    queue             TEXT    NOT NULL DEFAULT 'routine', -- see 20261220000000_urgent_lane
    transitions_since TEXT    CHECK (transitions_since GLOB '????-??-??T??:??:??.???Z'),
    org               TEXT    NOT NULL DEFAULT 'default',
    not_before        TEXT    CHECK (not_before GLOB '????-??-??T??:??:??.???Z') -- waiting_window: due again
);
INSERT INTO jobs_new (id, trigger, feed_id, agent_key, status, created_at, started_at, finished_at,
                      coalesced, held_reasons, held_destructive, decided_by, plan, counts, error,
                      lease_owner, lease_until, queue, transitions_since, org)
    SELECT id, trigger, feed_id, agent_key, status, created_at, started_at, finished_at,
           coalesced, held_reasons, held_destructive, decided_by, plan, counts, error,
           lease_owner, lease_until, queue, transitions_since, org
    FROM jobs;
-- Ids are never reused: the new table continues the old one's sequence, not its highest id.
DELETE FROM sqlite_sequence WHERE name = 'jobs_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'jobs_new', seq FROM sqlite_sequence WHERE name = 'jobs';
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE UNIQUE INDEX jobs_one_queued ON jobs (org, queue) WHERE status = 'queued';
CREATE INDEX jobs_open ON jobs (org, status)
    WHERE status IN ('queued', 'approved', 'running', 'held', 'waiting_window');

-- work_items: status 'deferred'.
CREATE TABLE work_items (
    job_id          INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    user_id         TEXT    NOT NULL,
    agent_key       TEXT,
    label           TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'in_progress', 'verifying', 'converged', 'failed', 'needs_attention',
                          'stuck', 'deferred')),
    attempts        INTEGER NOT NULL DEFAULT 0,           -- write attempts
    verifications   INTEGER NOT NULL DEFAULT 0,           -- verify reads that still found drift
    next_attempt_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                    CHECK (next_attempt_at GLOB '????-??-??T??:??:??.???Z'),
    lease_owner     TEXT,
    lease_until     TEXT    CHECK (lease_until GLOB '????-??-??T??:??:??.???Z'),
    last_error      TEXT,
    updated_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                    CHECK (updated_at GLOB '????-??-??T??:??:??.???Z'),
    planned         TEXT    CHECK (json_valid(planned)), -- see 20261206000000_work_item_planned
    org             TEXT    NOT NULL DEFAULT 'default',
    PRIMARY KEY (job_id, user_id)
);
INSERT INTO work_items (job_id, user_id, agent_key, label, status, attempts, verifications,
                        next_attempt_at, lease_owner, lease_until, last_error, updated_at,
                        planned, org)
    SELECT job_id, user_id, agent_key, label, status, attempts, verifications,
           next_attempt_at, lease_owner, lease_until, last_error, updated_at,
           planned, org
    FROM work_items_aside;
DROP TABLE work_items_aside;
CREATE INDEX work_items_due ON work_items (job_id, next_attempt_at)
    WHERE status IN ('pending', 'in_progress', 'verifying');

-- agents: state 'deferred', column deferred_since.
CREATE TABLE agents_new (
    org                  TEXT    NOT NULL DEFAULT 'default',
    user_id              TEXT    NOT NULL,
    agent_key            TEXT,
    label                TEXT    NOT NULL,                -- email, employee id or user id
    observed             TEXT    NOT NULL CHECK (json_valid(observed)),
    observed_at          TEXT    NOT NULL CHECK (observed_at GLOB '????-??-??T??:??:??.???Z'),
    drift                TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(drift)), -- planned changes
    drift_count          INTEGER NOT NULL DEFAULT 0,
    state                TEXT    NOT NULL DEFAULT 'converged'
        CHECK (state IN ('converged', 'drifted', 'pending', 'needs_attention', 'stuck', 'deferred')),
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT,
    last_change_at       TEXT    CHECK (last_change_at GLOB '????-??-??T??:??:??.???Z'),
    deferred_since       TEXT    CHECK (deferred_since GLOB '????-??-??T??:??:??.???Z'), -- deferred from
    PRIMARY KEY (org, user_id)
);
INSERT INTO agents_new (org, user_id, agent_key, label, observed, observed_at, drift, drift_count,
                        state, consecutive_failures, last_error, last_change_at)
    SELECT org, user_id, agent_key, label, observed, observed_at, drift, drift_count,
           state, consecutive_failures, last_error, last_change_at
    FROM agents;
DROP TABLE agents;
ALTER TABLE agents_new RENAME TO agents;
CREATE INDEX agents_drifted ON agents (org, label) WHERE drift_count > 0;
CREATE INDEX agents_not_converged ON agents (org, label)
    WHERE drift_count > 0 OR state <> 'converged';
CREATE INDEX agents_key ON agents (org, agent_key);
CREATE INDEX agents_observed_at ON agents (org, observed_at);
