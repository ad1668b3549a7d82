-- Back to one date per observation: an undated figure takes the day it was taken in.
DROP INDEX staffing_observations_one_headline;
ALTER TABLE staffing_observations DISABLE TRIGGER set_updated_at;
UPDATE staffing_observations SET as_of = retrieved_at WHERE as_of IS NULL;
ALTER TABLE staffing_observations ENABLE TRIGGER set_updated_at;
DROP INDEX staffing_observations_series;
CREATE INDEX staffing_observations_series ON staffing_observations (metric_id, as_of, id);
ALTER TABLE staffing_observations
    DROP CONSTRAINT staffing_observations_dated,
    DROP COLUMN headline,
    DROP COLUMN retrieved_at,
    ALTER COLUMN as_of SET NOT NULL;
