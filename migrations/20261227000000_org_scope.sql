-- Every row belongs to one org (issue 14): several orgs (tenants) share one database, and the
-- store reads and writes only its own org's rows. Rows stored before belong to org 'default',
-- the org of a daemon that names none. What was unique is now unique per org, and the indexes
-- that serve per-org queries lead with org so that those queries stay index-backed.
ALTER TABLE feeds ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
ALTER TABLE feed_agents ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
ALTER TABLE desired ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
ALTER TABLE seen_names ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
ALTER TABLE agents ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
ALTER TABLE jobs ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
ALTER TABLE work_items ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
ALTER TABLE audit ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
ALTER TABLE webhook_deliveries ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
ALTER TABLE daemon_state ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
COMMENT ON COLUMN feeds.org IS 'The org (tenant) the row belongs to; the same in every table.';

-- Two orgs may send the same Idempotency-Key.
ALTER TABLE feeds DROP CONSTRAINT feeds_idempotency_key_key;
ALTER TABLE feeds ADD CONSTRAINT feeds_org_idempotency_key_key UNIQUE (org, idempotency_key);
DROP INDEX feeds_accepted;
CREATE INDEX feeds_accepted ON feeds (org, id) WHERE status = 'accepted';

ALTER TABLE desired DROP CONSTRAINT desired_pkey;
ALTER TABLE desired ADD PRIMARY KEY (org, agent_key);

ALTER TABLE seen_names DROP CONSTRAINT seen_names_pkey;
ALTER TABLE seen_names ADD PRIMARY KEY (org, kind, name);

-- The same platform user id may turn up in two orgs' platforms.
ALTER TABLE agents DROP CONSTRAINT agents_pkey;
ALTER TABLE agents ADD PRIMARY KEY (org, user_id);
DROP INDEX agents_drifted;
CREATE INDEX agents_drifted ON agents (org, label) WHERE drift_count > 0;
DROP INDEX agents_not_converged;
CREATE INDEX agents_not_converged ON agents (org, label)
    WHERE drift_count > 0 OR state <> 'converged';
DROP INDEX agents_key;
CREATE INDEX agents_key ON agents (org, agent_key);
DROP INDEX agents_observed_at;
CREATE INDEX agents_observed_at ON agents (org, observed_at);

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

ALTER TABLE daemon_state DROP CONSTRAINT daemon_state_pkey;
ALTER TABLE daemon_state ADD PRIMARY KEY (org, key);

-- Moving an audit row to another org would rewrite that org's history: refused like any other
-- change to a logged intent.
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit log is append-only';
    END IF;
    IF OLD.outcome <> 'pending'
       OR NEW.id <> OLD.id OR NEW.at <> OLD.at OR NEW.call <> OLD.call
       OR NEW.changes <> OLD.changes
       OR NEW.agent_key IS DISTINCT FROM OLD.agent_key
       OR NEW.job_id IS DISTINCT FROM OLD.job_id
       OR NEW.org <> OLD.org THEN
        RAISE EXCEPTION 'audit rows can only complete a pending intent';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
