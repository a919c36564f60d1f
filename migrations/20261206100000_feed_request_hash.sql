-- What a request with an Idempotency-Key asked for (SHA-256 of scope, source, format and body),
-- so that the same key with another request is refused instead of replayed. NULL for feeds
-- stored before, and for feeds without a key.
ALTER TABLE feeds ADD COLUMN request_hash TEXT;
COMMENT ON COLUMN feeds.request_hash IS
    'SHA-256 (hex) of the scope, source, format and body of a request that carried an Idempotency-Key; NULL otherwise.';
