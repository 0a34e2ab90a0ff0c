-- A draft's steps (src/store/plans.rs): each edit and what it changed, before and after, which undo and redo
-- put back. Rows of their own rather than part of the draft's content, so that an edit reads and writes one
-- step, not the whole history. The applied steps are those not undone, in `seq` order; a new edit drops the
-- undone ones.
CREATE TABLE gridmap_plan_steps (
    plan_id  bigint NOT NULL REFERENCES gridmap_plans (id) ON DELETE CASCADE,
    seq      bigint NOT NULL,
    undone   boolean NOT NULL DEFAULT false,
    edit     json NOT NULL,
    step     json NOT NULL,
    PRIMARY KEY (plan_id, seq)
);

COMMENT ON COLUMN gridmap_plans.content IS 'the draft: grids (GeoJSON) and unit assignments; its steps are in gridmap_plan_steps';
