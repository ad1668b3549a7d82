-- Staffing figures: the date a figure describes (`as_of`, null when its source is undated), the
-- day an undated figure was taken from its source (`retrieved_at`), and the observation an
-- editor chose as the metric's current figure (`headline`, at most one per metric).

ALTER TABLE staffing_observations
    ALTER COLUMN as_of DROP NOT NULL,
    ADD COLUMN retrieved_at DATE,
    ADD COLUMN headline BOOLEAN NOT NULL DEFAULT false,
    ADD CONSTRAINT staffing_observations_dated
        CHECK (as_of IS NOT NULL OR retrieved_at IS NOT NULL);

-- At most one headline per metric: a constraint, not a convention.
CREATE UNIQUE INDEX staffing_observations_one_headline
    ON staffing_observations (metric_id) WHERE headline;

-- The series order: dated ones by date, undated ones last (by the day they were taken in).
DROP INDEX staffing_observations_series;
CREATE INDEX staffing_observations_series
    ON staffing_observations (metric_id, as_of NULLS LAST, retrieved_at, id);

-- The five figures of the Perfusion Partners page (../shared/seed/facts.json) were stored with
-- as_of 2026-11-23, the day they were taken in. They are undated: move them to the new meaning
-- and make them their metrics' headlines. Only the rows the seed migration wrote and nobody has
-- changed since: made in the seed's own transaction (the same created_at as their metric) and
-- never updated (updated_at is still created_at), with the seed's exact value and source. This
-- corrects what the rows mean and is no edit: updated_at stays as it was.
ALTER TABLE staffing_observations DISABLE TRIGGER set_updated_at;
UPDATE staffing_observations o
SET as_of = NULL, retrieved_at = DATE '2026-11-23', headline = true
FROM staffing_metrics m,
    (VALUES
        ('certified_perfusionists', 4522::double precision,
         'Perfusion Partners page (figure as stated; origin not traced)'),
        ('workforce_over_50_percent', 44.3::double precision,
         'Perfusion Partners page (from the ABCP 2015-16 survey)'),
        ('annual_exits', 300::double precision, 'Perfusion Partners page (''over 300'')'),
        ('annual_graduates', 200::double precision, 'Perfusion Partners page (''approximately 200'')'),
        ('shortage', 100::double precision, 'Perfusion Partners page (''nearly 100'')')
    ) AS page (key, value, source)
WHERE o.metric_id = m.id
  AND m.key = page.key
  AND o.value = page.value
  AND o.source = page.source
  AND o.as_of = DATE '2026-11-23'
  AND o.created_at = m.created_at
  AND o.updated_at = o.created_at
  AND NOT EXISTS (
      SELECT 1 FROM staffing_observations h WHERE h.metric_id = m.id AND h.headline
  );
ALTER TABLE staffing_observations ENABLE TRIGGER set_updated_at;
