-- GET /v1/drift (and the gauges, every 15 s) read the agents that differ or are not converged,
-- ordered by label, and the newest observation time. Without these indexes every request
-- scanned the whole table three times: at 10,000 agents about 11 ms of database time per
-- request, which saturated two cores below 200 requests/s (docs/benchmarks.md, issue 6).

-- The rows GET /v1/drift lists, counts and sums: its condition, ordered as it pages.
CREATE INDEX agents_not_converged ON agents (label) WHERE drift_count > 0 OR state <> 'converged';

-- max(observed_at) without reading every row.
CREATE INDEX agents_observed_at ON agents (observed_at);
