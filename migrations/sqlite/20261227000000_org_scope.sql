-- Every row belongs to one org (issue 14): several orgs (tenants) share one database, and the
-- store reads and writes only its own org's rows. Rows stored before belong to org 'default',
-- the org of a daemon that names none. What was unique is now unique per org, and the indexes
-- that serve per-org queries lead with org so that those queries stay index-backed.
--
-- SQLite cannot change a primary key or drop a UNIQUE column constraint, so feeds, desired,
-- seen_names, agents and daemon_state are rebuilt (see 20261213000000_incremental_scan_trigger:
-- foreign keys stay on inside sqlx's migration transaction, so dropping feeds would cascade into
-- feed_agents, whose rows are set aside and put back).

ALTER TABLE feed_agents ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
ALTER TABLE jobs ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
ALTER TABLE work_items ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
ALTER TABLE audit ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
ALTER TABLE webhook_deliveries ADD COLUMN org TEXT NOT NULL DEFAULT 'default';

-- feeds: two orgs may send the same Idempotency-Key.
CREATE TEMP TABLE feed_agents_aside AS SELECT * FROM feed_agents;
CREATE TABLE feeds_new (
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
    idempotency_key TEXT,                                 -- Idempotency-Key of the request
    job_id          INTEGER,                              -- the job the feed started
    request_hash    TEXT,
    org             TEXT    NOT NULL DEFAULT 'default',
    UNIQUE (org, idempotency_key)
);
INSERT INTO feeds_new (id, source, received_at, scope, format, status, hash, agents, skills,
                       languages, certifications, errors, warnings, idempotency_key, job_id,
                       request_hash)
    SELECT id, source, received_at, scope, format, status, hash, agents, skills,
           languages, certifications, errors, warnings, idempotency_key, job_id, request_hash
    FROM feeds;
-- Ids are never reused: the new table continues the old one's sequence, not its highest id.
DELETE FROM sqlite_sequence WHERE name = 'feeds_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'feeds_new', seq FROM sqlite_sequence WHERE name = 'feeds';
-- Deletes every history row (ON DELETE CASCADE); they come back below.
DROP TABLE feeds;
ALTER TABLE feeds_new RENAME TO feeds;
CREATE INDEX feeds_accepted ON feeds (org, id) WHERE status = 'accepted';
INSERT INTO feed_agents SELECT * FROM feed_agents_aside;
DROP TABLE feed_agents_aside;

CREATE TABLE desired_new (
    org        TEXT    NOT NULL DEFAULT 'default',
    agent_key  TEXT    NOT NULL,
    feed_id    INTEGER NOT NULL,
    desired    TEXT    NOT NULL CHECK (json_valid(desired)),
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
               CHECK (updated_at GLOB '????-??-??T??:??:??.???Z'),
    PRIMARY KEY (org, agent_key)
);
INSERT INTO desired_new (agent_key, feed_id, desired, updated_at)
    SELECT agent_key, feed_id, desired, updated_at FROM desired;
DROP TABLE desired;
ALTER TABLE desired_new RENAME TO desired;

CREATE TABLE seen_names_new (
    org           TEXT    NOT NULL DEFAULT 'default',
    kind          TEXT    NOT NULL CHECK (kind IN ('skill', 'language', 'certification')),
    name          TEXT    NOT NULL,
    first_feed_id INTEGER NOT NULL,
    PRIMARY KEY (org, kind, name)
);
INSERT INTO seen_names_new (kind, name, first_feed_id)
    SELECT kind, name, first_feed_id FROM seen_names;
DROP TABLE seen_names;
ALTER TABLE seen_names_new RENAME TO seen_names;

-- agents: the same platform user id may turn up in two orgs' platforms.
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
        CHECK (state IN ('converged', 'drifted', 'pending', 'needs_attention', 'stuck')),
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT,
    last_change_at       TEXT    CHECK (last_change_at GLOB '????-??-??T??:??:??.???Z'),
    PRIMARY KEY (org, user_id)
);
INSERT INTO agents_new (user_id, agent_key, label, observed, observed_at, drift, drift_count,
                        state, consecutive_failures, last_error, last_change_at)
    SELECT user_id, agent_key, label, observed, observed_at, drift, drift_count,
           state, consecutive_failures, last_error, last_change_at
    FROM agents;
DROP TABLE agents;
ALTER TABLE agents_new RENAME TO agents;
CREATE INDEX agents_drifted ON agents (org, label) WHERE drift_count > 0;
CREATE INDEX agents_not_converged ON agents (org, label)
    WHERE drift_count > 0 OR state <> 'converged';
CREATE INDEX agents_key ON agents (org, agent_key);
CREATE INDEX agents_observed_at ON agents (org, observed_at);

CREATE TABLE daemon_state_new (
    org        TEXT NOT NULL DEFAULT 'default',
    key        TEXT NOT NULL,
    value      TEXT NOT NULL CHECK (json_valid(value)),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
               CHECK (updated_at GLOB '????-??-??T??:??:??.???Z'),
    PRIMARY KEY (org, key)
);
INSERT INTO daemon_state_new (key, value, updated_at)
    SELECT key, value, updated_at FROM daemon_state;
DROP TABLE daemon_state;
ALTER TABLE daemon_state_new RENAME TO daemon_state;

-- One queued job per queue of each org: one org's trigger never merges into another's job.
DROP INDEX jobs_one_queued;
CREATE UNIQUE INDEX jobs_one_queued ON jobs (org, queue) WHERE status = 'queued';
DROP INDEX jobs_open;
CREATE INDEX jobs_open ON jobs (org, status) WHERE status IN ('queued', 'approved', 'running', 'held');

DROP INDEX audit_agent_at;
CREATE INDEX audit_agent_at ON audit (org, agent_key, at);
DROP INDEX audit_at;
CREATE INDEX audit_at ON audit (org, at);

DROP INDEX webhook_deliveries_event;
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (org, event_id, id);
DROP INDEX webhook_deliveries_failed;
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (org, attempted_at)
    WHERE outcome IN ('rejected', 'exhausted', 'abandoned');

-- Moving an audit row to another org would rewrite that org's history: refused like any other
-- change to a logged intent.
DROP TRIGGER audit_only_completes;
CREATE TRIGGER audit_only_completes BEFORE UPDATE ON audit
WHEN OLD.outcome <> 'pending'
     OR NEW.id <> OLD.id OR NEW.at <> OLD.at OR NEW.call <> OLD.call
     OR NEW.changes <> OLD.changes
     OR NEW.agent_key IS NOT OLD.agent_key
     OR NEW.job_id IS NOT OLD.job_id
     OR NEW.org <> OLD.org
BEGIN
    SELECT RAISE(ABORT, 'audit rows can only complete a pending intent');
END;
