-- The pathway's alternatives (facts.json: a candidate who meets every requirement may sit both
-- exams in the same window), and no guess for the District of Columbia: the licensure source
-- lists states only.
ALTER TABLE certification_overview ADD COLUMN alternatives TEXT[] NOT NULL DEFAULT '{}';
UPDATE certification_overview SET alternatives = ARRAY[
    'A candidate who meets every requirement (the 75 program cases and the 40 independent cases after graduation) may take the PBSE and the CAPE in the same window; nothing is skipped.'
];

ALTER TABLE licensure ALTER COLUMN license_required DROP NOT NULL;
UPDATE licensure
SET license_required = NULL,
    note = 'The source lists states only; it says nothing about the District of Columbia.'
WHERE state = 'DC';
