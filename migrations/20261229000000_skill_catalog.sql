-- The skill catalog (issue 16).
-- - skill_retirements: one row per skill an operator retired (`skills retire`, `POST
--   /v1/skills/{name}/retire`). From `retire_after` every agent loses the skill; once no observed
--   agent holds it and no skill group references it (`clear_since`), the definition is deleted
--   (CXone: deactivated) after `skills.retire_grace_hours`. `blocked_by` says what still holds or
--   references it as last checked. Feeds naming a skill with a row here are rejected.
-- - skill_catalog: the org's skill definitions as last listed, for `GET /v1/skills` (the API
--   never calls the platform).
CREATE TABLE skill_retirements (
    id           BIGSERIAL   PRIMARY KEY,
    org          TEXT        NOT NULL DEFAULT 'default',
    skill        TEXT        NOT NULL,
    retire_after TIMESTAMPTZ NOT NULL,
    requested_by TEXT        NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at   TIMESTAMPTZ,
    checked_at   TIMESTAMPTZ,
    blocked_by   TEXT,
    clear_since  TIMESTAMPTZ,
    retired_at   TIMESTAMPTZ,
    outcome      TEXT CHECK (outcome IN ('deleted', 'deactivated', 'already_gone')),
    UNIQUE (org, skill)
);
COMMENT ON TABLE skill_retirements IS
    'Skills being retired: removed from every agent from retire_after, the definition deleted once nothing holds or references it.';

CREATE TABLE skill_catalog (
    org          TEXT        NOT NULL DEFAULT 'default',
    name         TEXT        NOT NULL,
    state        TEXT        NOT NULL CHECK (state IN ('active', 'inactive', 'deleted')),
    listed_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org, name)
);
COMMENT ON TABLE skill_catalog IS 'The org''s skill definitions as last listed from the platform.';
