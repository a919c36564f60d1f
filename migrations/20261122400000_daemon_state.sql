-- Small named values the daemon keeps across restarts, e.g. the instant up to which certification
-- expiry warnings have been sent (so that each warning fires once).
CREATE TABLE daemon_state (
    key        TEXT        PRIMARY KEY,
    value      JSONB       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
