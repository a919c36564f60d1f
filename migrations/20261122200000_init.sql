-- skillsync's state: feeds and the desired state they carry, what was observed on the
-- platform, jobs and their per-agent work items, and the audit log of every platform write.

-- Every feed received, accepted or not.
CREATE TABLE feeds (
    id              BIGSERIAL PRIMARY KEY,
    source          TEXT        NOT NULL,                 -- ingest source name or scheduler source
    received_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    scope           TEXT        NOT NULL CHECK (scope IN ('partial', 'snapshot')),
    format          TEXT        NOT NULL CHECK (format IN ('csv', 'json')),
    status          TEXT        NOT NULL CHECK (status IN ('accepted', 'rejected', 'unchanged', 'withdrawn')),
    hash            TEXT,                                 -- content hash of the normalized state
    agents          INTEGER     NOT NULL DEFAULT 0,
    skills          INTEGER     NOT NULL DEFAULT 0,
    languages       INTEGER     NOT NULL DEFAULT 0,
    certifications  INTEGER     NOT NULL DEFAULT 0,
    errors          JSONB,                                -- every row error of a rejected feed
    warnings        JSONB,
    idempotency_key TEXT UNIQUE,                          -- Idempotency-Key of the request
    job_id          BIGINT                                -- the job the feed started
);
COMMENT ON TABLE feeds IS 'Every feed received; status withdrawn = rejected by an operator after acceptance.';
CREATE INDEX feeds_accepted ON feeds (id) WHERE status = 'accepted';

-- The desired state each accepted feed carried, one row per agent (history).
CREATE TABLE feed_agents (
    feed_id   BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    agent_key TEXT   NOT NULL,
    desired   JSONB  NOT NULL,
    PRIMARY KEY (feed_id, agent_key)
);

-- The desired state in force: per agent, its row from the newest accepted feed since the last
-- accepted snapshot. A cache of feed_agents, rebuilt when a feed is withdrawn.
CREATE TABLE desired (
    agent_key  TEXT        PRIMARY KEY,
    feed_id    BIGINT      NOT NULL,
    desired    JSONB       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every name any accepted feed mentioned: the default managed scope.
CREATE TABLE seen_names (
    kind          TEXT   NOT NULL CHECK (kind IN ('skill', 'language', 'certification')),
    name          TEXT   NOT NULL,
    first_feed_id BIGINT NOT NULL,
    PRIMARY KEY (kind, name)
);

-- Platform users as last observed, with their drift from the desired state. agent_key is the
-- user's key as feeds name agents (email or employee id); NULL when the user has none.
CREATE TABLE agents (
    user_id              TEXT        PRIMARY KEY,
    agent_key            TEXT,
    label                TEXT        NOT NULL,            -- email, employee id or user id
    observed             JSONB       NOT NULL,
    observed_at          TIMESTAMPTZ NOT NULL,
    drift                JSONB       NOT NULL DEFAULT '[]', -- the planned changes, as JSON
    drift_count          INTEGER     NOT NULL DEFAULT 0,
    state                TEXT        NOT NULL DEFAULT 'converged'
        CHECK (state IN ('converged', 'drifted', 'pending', 'needs_attention', 'stuck')),
    consecutive_failures INTEGER     NOT NULL DEFAULT 0,
    last_error           TEXT,
    last_change_at       TIMESTAMPTZ
);
CREATE INDEX agents_drifted ON agents (label) WHERE drift_count > 0;
CREATE INDEX agents_key ON agents (agent_key);

-- Runs of the reconciler. At most one is queued at a time (triggers coalesce into it) and at most
-- one runs at a time (a lease; a dead owner's lease expires and the job is taken over).
CREATE TABLE jobs (
    id               BIGSERIAL PRIMARY KEY,
    trigger          TEXT        NOT NULL CHECK (trigger IN ('feed', 'schedule', 'manual', 'startup', 'certification')),
    feed_id          BIGINT,
    agent_key        TEXT,                                -- a one-agent run; NULL = everyone
    status           TEXT        NOT NULL
        CHECK (status IN ('queued', 'approved', 'running', 'held', 'succeeded', 'failed', 'rejected', 'superseded')),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at       TIMESTAMPTZ,
    finished_at      TIMESTAMPTZ,
    coalesced        INTEGER     NOT NULL DEFAULT 0,      -- triggers merged into this job
    held_reasons     JSONB,
    held_destructive INTEGER,                             -- destructive changes when held
    decided_by       TEXT,                                -- token name that approved or rejected
    plan             JSONB,                               -- plan summary and changes
    counts           JSONB,
    error            TEXT,
    lease_owner      TEXT,
    lease_until      TIMESTAMPTZ
);
CREATE UNIQUE INDEX jobs_one_queued ON jobs ((status)) WHERE status = 'queued';
CREATE INDEX jobs_open ON jobs (status) WHERE status IN ('queued', 'approved', 'running', 'held');

-- One item per agent a job must change; claimed with FOR UPDATE SKIP LOCKED under a lease.
CREATE TABLE work_items (
    job_id          BIGINT      NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    user_id         TEXT        NOT NULL,
    agent_key       TEXT,
    label           TEXT        NOT NULL,
    status          TEXT        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'in_progress', 'verifying', 'converged', 'failed', 'needs_attention', 'stuck')),
    attempts        INTEGER     NOT NULL DEFAULT 0,       -- write attempts
    verifications   INTEGER     NOT NULL DEFAULT 0,       -- verify reads that still found drift
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_owner     TEXT,
    lease_until     TIMESTAMPTZ,
    last_error      TEXT,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, user_id)
);
CREATE INDEX work_items_due ON work_items (job_id, next_attempt_at) WHERE status IN ('pending', 'in_progress', 'verifying');

-- Every platform write: an intent row before the call, completed with the result after it.
CREATE TABLE audit (
    id             BIGSERIAL PRIMARY KEY,
    at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    job_id         BIGINT,
    feed_id        BIGINT,
    agent_key      TEXT,
    user_id        TEXT,
    call           TEXT        NOT NULL,                  -- e.g. patch_skills, delete_skill, approve
    changes        JSONB       NOT NULL DEFAULT '[]',     -- before and after of each assignment
    outcome        TEXT        NOT NULL DEFAULT 'pending'
        CHECK (outcome IN ('pending', 'ok', 'failed', 'unknown', 'recorded')),
    http_status    INTEGER,
    correlation_id TEXT,
    error          TEXT,
    actor          TEXT,                                  -- who, for operator actions
    finished_at    TIMESTAMPTZ
);
CREATE INDEX audit_agent_at ON audit (agent_key, at);
CREATE INDEX audit_at ON audit (at);

-- The audit log is append-only: no deletes; an update only completes a pending intent.
CREATE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit log is append-only';
    END IF;
    IF OLD.outcome <> 'pending'
       OR NEW.id <> OLD.id OR NEW.at <> OLD.at OR NEW.call <> OLD.call
       OR NEW.changes <> OLD.changes
       OR NEW.agent_key IS DISTINCT FROM OLD.agent_key
       OR NEW.job_id IS DISTINCT FROM OLD.job_id THEN
        RAISE EXCEPTION 'audit rows can only complete a pending intent';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
