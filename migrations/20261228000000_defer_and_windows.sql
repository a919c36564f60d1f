-- Routine changes wait (issue 15): they are not made while an agent is on an interaction, nor
-- outside the org's change windows.
-- - An agent on an interaction: its work item ends 'deferred' (a final status for the job: the
--   agent's routine changes wait), the agent's state is 'deferred' and `deferred_since` says
--   when its routine changes first started waiting. A job with trigger 'deferred_recheck'
--   re-reads only the agents whose routine changes were deferred.
-- - Outside a change window: a planned routine job has status 'waiting_window' until its org's
--   window opens; `not_before` says when it is due again. It is open work, so jobs_open
--   includes it.
ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
    CHECK (status IN ('queued', 'approved', 'running', 'held', 'succeeded', 'failed', 'rejected',
                      'superseded', 'waiting_window'));
ALTER TABLE jobs DROP CONSTRAINT jobs_trigger_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_trigger_check
    CHECK (trigger IN ('feed', 'schedule', 'manual', 'startup', 'certification', 'incremental_scan',
                       'deferred_recheck'));
ALTER TABLE jobs ADD COLUMN not_before TIMESTAMPTZ;
COMMENT ON COLUMN jobs.not_before IS
    'When a waiting_window job is due again (its org''s next change window opens); NULL otherwise.';
DROP INDEX jobs_open;
CREATE INDEX jobs_open ON jobs (org, status)
    WHERE status IN ('queued', 'approved', 'running', 'held', 'waiting_window');

ALTER TABLE work_items DROP CONSTRAINT work_items_status_check;
ALTER TABLE work_items ADD CONSTRAINT work_items_status_check
    CHECK (status IN ('pending', 'in_progress', 'verifying', 'converged', 'failed',
                      'needs_attention', 'stuck', 'deferred'));

ALTER TABLE agents DROP CONSTRAINT agents_state_check;
ALTER TABLE agents ADD CONSTRAINT agents_state_check
    CHECK (state IN ('converged', 'drifted', 'pending', 'needs_attention', 'stuck', 'deferred'));
ALTER TABLE agents ADD COLUMN deferred_since TIMESTAMPTZ;
COMMENT ON COLUMN agents.deferred_since IS
    'When the agent''s routine changes first started waiting (state deferred); NULL otherwise.';
