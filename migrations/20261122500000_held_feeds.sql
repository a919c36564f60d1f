-- A feed whose job trips a safety threshold is `held`: out of the desired state until an
-- operator approves its job (back to `accepted`) or rejects it (`withdrawn`), so that no scan
-- applies it in the meantime.
ALTER TABLE feeds DROP CONSTRAINT feeds_status_check;
ALTER TABLE feeds ADD CONSTRAINT feeds_status_check
    CHECK (status IN ('accepted', 'rejected', 'unchanged', 'withdrawn', 'held'));
