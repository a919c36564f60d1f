-- The certification webhook's delivery log (issue 7): one row per attempt to POST an event to
-- webhook.url. Written by src/notify/pg_log.rs, append-only; read to see what receivers were
-- told and what never reached them. See docs/notifications.md.
--
-- Event ids are deterministic (a daemon restarted before it recorded an event sends it again
-- under the same id), so (event_id, attempt) is not unique: rows have their own id, and an
-- event's history is read in id order.

CREATE TABLE webhook_deliveries (
    id            BIGSERIAL   PRIMARY KEY,
    event_id      UUID        NOT NULL,
    event_type    TEXT        NOT NULL,                   -- certification.revoked | .granted | .expiring_soon
    agent         TEXT        NOT NULL,                   -- the agent key, as feeds name it
    certification TEXT        NOT NULL,
    attempt       INTEGER     NOT NULL CHECK (attempt >= 1),
    attempted_at  TIMESTAMPTZ NOT NULL,
    http_status   SMALLINT    CHECK (http_status BETWEEN 100 AND 599),  -- NULL: no answer
    error         TEXT,                                   -- transport error or start of the error body
    outcome       TEXT        NOT NULL
                  CHECK (outcome IN ('retrying', 'delivered', 'rejected', 'exhausted', 'abandoned'))
);
COMMENT ON TABLE webhook_deliveries IS
    'Every attempt to deliver a certification event to the webhook; retrying is the only non-final outcome.';
COMMENT ON COLUMN webhook_deliveries.attempt IS
    '1 for the first attempt; an abandoned row with error "not sent: shutting down" numbers an attempt never made.';

-- An event's attempts, in order.
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id, id);

-- Recent final failures: what receivers did not get.
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (attempted_at)
    WHERE outcome IN ('rejected', 'exhausted', 'abandoned');
