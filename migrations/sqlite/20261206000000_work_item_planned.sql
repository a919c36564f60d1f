-- The changes planned for an agent, kept with its work item (see store::codec::changes_to_json);
-- NULL for items created without them.
ALTER TABLE work_items ADD COLUMN planned TEXT CHECK (json_valid(planned));
