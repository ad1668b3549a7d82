-- Staffing statistics: workforce metrics and their sourced observations over time.

CREATE TABLE staffing_metrics (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE
                CHECK (char_length(key) <= 64 AND key ~ '^[a-z0-9]+(_[a-z0-9]+)*$'),
    label       TEXT NOT NULL CHECK (char_length(label) BETWEEN 1 AND 200),
    unit        TEXT NOT NULL CHECK (unit IN ('people', 'percent', 'people_per_year', 'positions')),
    description TEXT NOT NULL CHECK (char_length(description) <= 2000),
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX staffing_metrics_order ON staffing_metrics (position, id);
SELECT diesel_manage_updated_at('staffing_metrics');

CREATE TABLE staffing_observations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    metric_id  BIGINT NOT NULL REFERENCES staffing_metrics (id) ON DELETE CASCADE,
    value      DOUBLE PRECISION NOT NULL CHECK (value >= 0 AND value < 'Infinity'),
    as_of      DATE NOT NULL,
    source     TEXT NOT NULL CHECK (char_length(source) BETWEEN 1 AND 500),
    source_url TEXT,
    note       TEXT CHECK (char_length(note) <= 2000),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- A metric's series, oldest first, and its latest observation (the end of the range).
CREATE INDEX staffing_observations_series ON staffing_observations (metric_id, as_of, id);
SELECT diesel_manage_updated_at('staffing_observations');

-- The metrics and observations of ../shared/seed/facts.json, as stated there.
INSERT INTO staffing_metrics (key, label, unit, description, position) VALUES
    ('certified_perfusionists', 'Certified perfusionists', 'people',
     'Certified clinical perfusionists (CCP) in the United States.', 1),
    ('workforce_over_50_percent', 'Workforce older than 50', 'percent',
     'Share of the perfusion workforce older than 50.', 2),
    ('annual_exits', 'People leaving the workforce each year', 'people_per_year',
     'Perfusionists who leave the profession each year (retirement and other exits).', 3),
    ('annual_graduates', 'New graduates each year', 'people_per_year',
     'New graduates of accredited perfusion programs each year.', 4),
    ('shortage', 'Current shortage of clinicians', 'people',
     'Open clinical perfusionist positions that cannot be filled.', 5),
    ('retiring_within_10_years_percent', 'Planning to retire within 10 years', 'percent',
     'Share of surveyed certified perfusionists planning to retire within ten years.', 6),
    ('open_positions', 'Estimated open positions', 'positions',
     'Estimated open perfusion positions.', 7),
    ('vacancy_rate_percent', 'Vacancy rate', 'percent',
     'Share of budgeted perfusion positions vacant.', 8);

INSERT INTO staffing_observations (metric_id, value, as_of, source, source_url, note)
SELECT m.id, o.value, o.as_of::date, o.source, o.source_url, o.note
FROM (VALUES
    ('certified_perfusionists', 4522::double precision, '2026-11-23', 'Perfusion Partners page (figure as stated; origin not traced)',
     'https://perfusionleaders.com/about-us/', 'Origin not found; undated and unsourced on the seed page. Other counts: 3,875 eligible CCPs (2015-16), 3,989 (Michigan Medicine, 2022), ''fewer than 4,500'' (MUSC).'),
    ('workforce_over_50_percent', 44.3::double precision, '2026-11-23', 'Perfusion Partners page (from the ABCP 2015-16 survey)',
     'https://perfusionleaders.com/about-us/', 'SpecialtyCare wording is ''over the age of 49''; 29% were 50-59. Seed''s ''older than 50'' is slightly loose. Survey respondents, not all perfusionists.'),
    ('annual_exits', 300::double precision, '2026-11-23', 'Perfusion Partners page (''over 300'')',
     'https://perfusionleaders.com/about-us/', 'Stated as ''more than 300''; no underlying data cited. Seed repeats it. Low confidence.'),
    ('annual_graduates', 200::double precision, '2026-11-23', 'Perfusion Partners page (''approximately 200'')',
     'https://perfusionleaders.com/about-us/', 'Not traced. Other estimates: ~150/yr (SpecialtyCare c. 2024), 120/yr from 16 schools (SUNY Upstate chair, undated), 180 entrants in 2017.'),
    ('shortage', 100::double precision, '2026-11-23', 'Perfusion Partners page (''nearly 100'')',
     'https://perfusionleaders.com/about-us/', 'Apparently 300 leavers minus 200 graduates; no independent source.'),
    ('certified_perfusionists', 3875::double precision, '2016-06-30', 'Turnage et al., J Extra Corpor Technol 2017;49:137-149 (ABCP survey)',
     'https://ject.edpsciences.org/articles/ject/abs/2017/03/ject-49-137/ject-49-137.html', 'CCPs eligible for the ABCP 2015-16 recertification survey. 3,056 (78.9%) responded.'),
    ('certified_perfusionists', 3989::double precision, '2022-05-01', 'Michigan Medicine Headlines',
     'https://mmheadlines.org/2022/05/thank-you-michigan-medicine-perfusionists/', 'Underlying source not stated; low confidence.'),
    ('workforce_over_50_percent', 44.3::double precision, '2016-06-30', 'ABCP 2015-16 survey (JECT 2017) as summarised by SpecialtyCare',
     'https://specialtycareus.com/top-5-most-interesting-perfusion-statistics/', 'SpecialtyCare wording is ''over the age of 49''; 29% were 50-59. Seed''s ''older than 50'' is slightly loose. Survey respondents, not all perfusionists.'),
    ('annual_exits', 280::double precision, '2017-12-31', 'SpecialtyCare (Brown-Brukardt scholarship page)',
     'https://specialtycareus.com/specialtycare-addresses-perfusionist-shortage-with-brown-brukardt-scholarship/', '''around 280''; same page: 180 entry-level perfusionists in 2017.'),
    ('annual_graduates', 180::double precision, '2017-12-31', 'SpecialtyCare (Brown-Brukardt scholarship page)',
     'https://specialtycareus.com/specialtycare-addresses-perfusionist-shortage-with-brown-brukardt-scholarship/', 'Entry-level perfusionists entering the field in 2017. Vendor source; underlying data not cited.'),
    ('annual_graduates', 150::double precision, '2024-06-30', 'SpecialtyCare press release',
     'https://specialtycareus.com/specialtycare-leads-the-industry-in-perfusion-careers-as-60-of-americans-are-projected-to-have-heart-disease-by-2050/', '''only about 150''; conflicts with seed (~200). Disputed informally by practitioners citing ABCP annual reports (>200/yr); unverified.'),
    ('retiring_within_10_years_percent', 38.2::double precision, '2016-06-30', 'ABCP 2015-16 survey as summarised by SpecialtyCare',
     'https://specialtycareus.com/top-5-most-interesting-perfusion-statistics/', 'A further 33% planned to retire within 20 years.'),
    ('open_positions', 320::double precision, '2024-06-30', 'SpecialtyCare press release',
     'https://specialtycareus.com/specialtycare-leads-the-industry-in-perfusion-careers-as-60-of-americans-are-projected-to-have-heart-disease-by-2050/', '''estimated''; methodology not given.'),
    ('vacancy_rate_percent', 12.3::double precision, '2019-12-31', '2019 Vacancy and Turnover study (484 valid responses)',
     'https://iperfusion.org/salary-survey', 'Turnover rate 14.7% in the same study.')
) AS o (metric, value, as_of, source, source_url, note)
JOIN staffing_metrics m ON m.key = o.metric;
