-- Per-org leases (issue 14): replicas divide the orgs between them instead of one leader doing
-- all the work. A replica works an org only while it holds that org's row here, renews it every
-- third of `reconcile.lease_secs`, and a dead replica's orgs are claimed once their rows expire.
-- `replicas` is each live replica's heartbeat, so that every replica can tell its fair share.
CREATE TABLE org_leases (
    org        TEXT        PRIMARY KEY,
    owner      TEXT,                                   -- NULL: free
    expires_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_at TIMESTAMPTZ
);
COMMENT ON TABLE org_leases IS 'Which replica works which org; a row whose expires_at has passed is free to claim.';

CREATE TABLE replicas (
    owner      TEXT        PRIMARY KEY,
    seen_until TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE replicas IS 'Live replicas: each renews its row with its leases; rows past seen_until are dead.';
