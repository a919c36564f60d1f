-- The certification webhook's delivery log (issue 7): one row per attempt to POST an event to
-- webhook.url. Written by src/notify/pg_log.rs, append-only; read by operators and the API to
-- see what receivers were told and what failed.
--
-- Events have deterministic ids (a daemon restarted before it recorded an event sends it again
-- under the same id), so (event_id, attempt) is not unique: rows have their own identity and an
-- event's history is read in insertion order.

CREATE TABLE webhook_deliveries (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      uuid        NOT NULL,
    -- certification.revoked, certification.granted or certification.expiring_soon.
    event_type    text        NOT NULL,
    agent         text        NOT NULL,
    certification text        NOT NULL,
    -- 1 for the first attempt; an abandoned event's last row numbers the attempt not sent.
    attempt       integer     NOT NULL CHECK (attempt >= 1),
    attempted_at  timestamptz NOT NULL,
    -- The receiver's HTTP status; NULL when it did not answer (timeout, connection refused).
    http_status   smallint    CHECK (http_status BETWEEN 100 AND 599),
    -- The transport error, or the start of the receiver's error body.
    error         text,
    -- Where the event stands after this attempt: retrying is the only non-final value.
    outcome       text        NOT NULL
                  CHECK (outcome IN ('retrying', 'delivered', 'rejected', 'exhausted', 'abandoned'))
);

-- An event's attempts, in order.
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id, id);

-- Recent failures, for the operator's "what did receivers not get" question.
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (attempted_at)
    WHERE outcome IN ('rejected', 'exhausted', 'abandoned');
