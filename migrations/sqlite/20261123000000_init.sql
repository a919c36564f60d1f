-- skillsync's state on SQLite: the schema of the PostgreSQL migrations in ../ up to
-- 20261122500000_held_feeds, for one process on one file (see ../README.md).
--
-- Conventions that differ from PostgreSQL:
-- - JSON is TEXT, checked with json_valid and read with SQLite's JSON functions.
-- - Timestamps are TEXT in one fixed-width form, UTC with milliseconds:
--   'YYYY-MM-DDTHH:MM:SS.sssZ', as strftime('%Y-%m-%dT%H:%M:%fZ', 'now') writes it. Text order is
--   then time order; the GLOB checks refuse any other form (such as '+00:00' offsets or a
--   varying number of decimals), which would compare wrongly.
-- - Ids are AUTOINCREMENT, so that an id is never reused, as with BIGSERIAL.
-- - Rules PostgreSQL enforces with a PL/pgSQL trigger are SQLite triggers that RAISE(ABORT).

-- Every feed received, accepted or not. status withdrawn = rejected by an operator after
-- acceptance; held = out of the desired state until its job is approved or rejected.
CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    source          TEXT    NOT NULL,                     -- ingest source name or scheduler source
    received_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                    CHECK (received_at GLOB '????-??-??T??:??:??.???Z'),
    scope           TEXT    NOT NULL CHECK (scope IN ('partial', 'snapshot')),
    format          TEXT    NOT NULL CHECK (format IN ('csv', 'json')),
    status          TEXT    NOT NULL
                    CHECK (status IN ('accepted', 'rejected', 'unchanged', 'withdrawn', 'held')),
    hash            TEXT,                                 -- content hash of the normalized state
    agents          INTEGER NOT NULL DEFAULT 0,
    skills          INTEGER NOT NULL DEFAULT 0,
    languages       INTEGER NOT NULL DEFAULT 0,
    certifications  INTEGER NOT NULL DEFAULT 0,
    errors          TEXT    CHECK (json_valid(errors)),   -- every row error of a rejected feed
    warnings        TEXT    CHECK (json_valid(warnings)),
    idempotency_key TEXT    UNIQUE,                       -- Idempotency-Key of the request
    job_id          INTEGER                               -- the job the feed started
);
CREATE INDEX feeds_accepted ON feeds (id) WHERE status = 'accepted';

-- The desired state each accepted feed carried, one row per agent (history).
CREATE TABLE feed_agents (
    feed_id   INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    agent_key TEXT    NOT NULL,
    desired   TEXT    NOT NULL CHECK (json_valid(desired)),
    PRIMARY KEY (feed_id, agent_key)
);

-- The desired state in force: per agent, its row from the newest accepted feed since the last
-- accepted snapshot. A cache of feed_agents, rebuilt when a feed is withdrawn.
CREATE TABLE desired (
    agent_key  TEXT    PRIMARY KEY,
    feed_id    INTEGER NOT NULL,
    desired    TEXT    NOT NULL CHECK (json_valid(desired)),
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
               CHECK (updated_at GLOB '????-??-??T??:??:??.???Z')
);

-- Every name any accepted feed mentioned: the default managed scope.
CREATE TABLE seen_names (
    kind          TEXT    NOT NULL CHECK (kind IN ('skill', 'language', 'certification')),
    name          TEXT    NOT NULL,
    first_feed_id INTEGER NOT NULL,
    PRIMARY KEY (kind, name)
);

-- Platform users as last observed, with their drift from the desired state. agent_key is the
-- user's key as feeds name agents (email or employee id); NULL when the user has none.
CREATE TABLE agents (
    user_id              TEXT    PRIMARY KEY,
    agent_key            TEXT,
    label                TEXT    NOT NULL,                -- email, employee id or user id
    observed             TEXT    NOT NULL CHECK (json_valid(observed)),
    observed_at          TEXT    NOT NULL CHECK (observed_at GLOB '????-??-??T??:??:??.???Z'),
    drift                TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(drift)), -- planned changes
    drift_count          INTEGER NOT NULL DEFAULT 0,
    state                TEXT    NOT NULL DEFAULT 'converged'
        CHECK (state IN ('converged', 'drifted', 'pending', 'needs_attention', 'stuck')),
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT,
    last_change_at       TEXT    CHECK (last_change_at GLOB '????-??-??T??:??:??.???Z')
);
CREATE INDEX agents_drifted ON agents (label) WHERE drift_count > 0;
CREATE INDEX agents_key ON agents (agent_key);

-- Runs of the reconciler. At most one is queued at a time (triggers coalesce into it) and at most
-- one runs at a time (a lease; a dead owner's lease expires and the job is taken over).
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger          TEXT    NOT NULL
        CHECK (trigger IN ('feed', 'schedule', 'manual', 'startup', 'certification')),
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
CREATE UNIQUE INDEX jobs_one_queued ON jobs (status) WHERE status = 'queued';
CREATE INDEX jobs_open ON jobs (status) WHERE status IN ('queued', 'approved', 'running', 'held');

-- One item per agent a job must change; claimed under a lease inside BEGIN IMMEDIATE.
CREATE TABLE work_items (
    job_id          INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    user_id         TEXT    NOT NULL,
    agent_key       TEXT,
    label           TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'in_progress', 'verifying', 'converged', 'failed', 'needs_attention', 'stuck')),
    attempts        INTEGER NOT NULL DEFAULT 0,           -- write attempts
    verifications   INTEGER NOT NULL DEFAULT 0,           -- verify reads that still found drift
    next_attempt_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                    CHECK (next_attempt_at GLOB '????-??-??T??:??:??.???Z'),
    lease_owner     TEXT,
    lease_until     TEXT    CHECK (lease_until GLOB '????-??-??T??:??:??.???Z'),
    last_error      TEXT,
    updated_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                    CHECK (updated_at GLOB '????-??-??T??:??:??.???Z'),
    PRIMARY KEY (job_id, user_id)
);
CREATE INDEX work_items_due ON work_items (job_id, next_attempt_at)
    WHERE status IN ('pending', 'in_progress', 'verifying');

-- Every platform write: an intent row before the call, completed with the result after it.
CREATE TABLE audit (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                   CHECK (at GLOB '????-??-??T??:??:??.???Z'),
    job_id         INTEGER,
    feed_id        INTEGER,
    agent_key      TEXT,
    user_id        TEXT,
    call           TEXT    NOT NULL,                      -- e.g. patch_skills, delete_skill, approve
    changes        TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(changes)), -- before and after
    outcome        TEXT    NOT NULL DEFAULT 'pending'
        CHECK (outcome IN ('pending', 'ok', 'failed', 'unknown', 'recorded')),
    http_status    INTEGER,
    correlation_id TEXT,
    error          TEXT,
    actor          TEXT,                                  -- who, for operator actions
    finished_at    TEXT    CHECK (finished_at GLOB '????-??-??T??:??:??.???Z')
);
CREATE INDEX audit_agent_at ON audit (agent_key, at);
CREATE INDEX audit_at ON audit (at);

-- The audit log is append-only: no deletes; an update only completes a pending intent.
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_only_completes BEFORE UPDATE ON audit
WHEN OLD.outcome <> 'pending'
     OR NEW.id <> OLD.id OR NEW.at <> OLD.at OR NEW.call <> OLD.call
     OR NEW.changes <> OLD.changes
     OR NEW.agent_key IS NOT OLD.agent_key
     OR NEW.job_id IS NOT OLD.job_id
BEGIN
    SELECT RAISE(ABORT, 'audit rows can only complete a pending intent');
END;

-- The certification webhook's delivery log (issue 7): one row per attempt to POST an event to
-- webhook.url; append-only. Written by src/notify/sqlite_log.rs. Event ids are deterministic,
-- so (event_id, attempt) is not unique: rows have their own id, and an event's history is read
-- in id order. retrying is the only non-final outcome.
CREATE TABLE webhook_deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      TEXT    NOT NULL CHECK (length(event_id) = 36), -- UUID, hyphenated, lower case
    event_type    TEXT    NOT NULL,                       -- certification.revoked | .granted | .expiring_soon
    agent         TEXT    NOT NULL,                       -- the agent key, as feeds name it
    certification TEXT    NOT NULL,
    attempt       INTEGER NOT NULL CHECK (attempt >= 1),  -- an abandoned row numbers an attempt never made
    attempted_at  TEXT    NOT NULL CHECK (attempted_at GLOB '????-??-??T??:??:??.???Z'),
    http_status   INTEGER CHECK (http_status BETWEEN 100 AND 599),  -- NULL: no answer
    error         TEXT,                                   -- transport error or start of the error body
    outcome       TEXT    NOT NULL
                  CHECK (outcome IN ('retrying', 'delivered', 'rejected', 'exhausted', 'abandoned'))
);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id, id);
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (attempted_at)
    WHERE outcome IN ('rejected', 'exhausted', 'abandoned');

-- Small named values the daemon keeps across restarts, e.g. the instant up to which certification
-- expiry warnings have been sent (so that each warning fires once).
CREATE TABLE daemon_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL CHECK (json_valid(value)),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
               CHECK (updated_at GLOB '????-??-??T??:??:??.???Z')
);
