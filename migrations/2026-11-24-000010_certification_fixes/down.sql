UPDATE licensure
SET license_required = 'no',
    note = 'All other states: no state license required (as of the source date).'
WHERE state = 'DC';
ALTER TABLE licensure ALTER COLUMN license_required SET NOT NULL;
ALTER TABLE certification_overview DROP COLUMN alternatives;
