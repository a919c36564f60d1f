-- Jobs started by the incremental drift-scan schedule (reconcile.incremental_scan_cron) or by
-- POST /v1/reconcile {"incremental": true}: they plan only the agents the platform reports
-- changed since the stored scan cursor (daemon_state key 'scan_cursor').
ALTER TABLE jobs DROP CONSTRAINT jobs_trigger_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_trigger_check
    CHECK (trigger IN ('feed', 'schedule', 'manual', 'startup', 'certification', 'incremental_scan'));
