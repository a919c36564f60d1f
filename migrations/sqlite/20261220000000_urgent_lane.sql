-- The urgent lane (issue 14): certification instants and one-agent runs must not wait behind a
-- long job. `queue` names the queued job a trigger merges into: 'routine' for every job as
-- before, 'certification' for certification instants, 'agent:<key>' for a one-agent run; a job
-- whose queue is not 'routine' is urgent and runs beside the routine job. One queued job per
-- queue (it was one queued job in all), so an urgent trigger is never merged into a long job.
-- `transitions_since`: a certification job plans the agents whose certifications started or
-- stopped being in force after this instant (and up to when it runs), not everyone.
ALTER TABLE jobs ADD COLUMN queue TEXT NOT NULL DEFAULT 'routine';
ALTER TABLE jobs ADD COLUMN transitions_since TEXT
    CHECK (transitions_since GLOB '????-??-??T??:??:??.???Z');
DROP INDEX jobs_one_queued;
CREATE UNIQUE INDEX jobs_one_queued ON jobs (queue) WHERE status = 'queued';
