-- The changes planned for an agent, kept with its work item (see store::codec::changes_to_json);
-- NULL for items created without them.
ALTER TABLE work_items ADD COLUMN planned JSONB;
COMMENT ON COLUMN work_items.planned IS
    'The changes planned for the agent (kind, name, action, proficiencies, rule, timing); NULL when not stored.';
