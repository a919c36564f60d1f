-- What a request with an Idempotency-Key asked for (SHA-256 of scope, source, format and body),
-- so that the same key with another request is refused instead of replayed. NULL for feeds
-- stored before, and for feeds without a key.
ALTER TABLE feeds ADD COLUMN request_hash TEXT;
