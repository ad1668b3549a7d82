-- Synthetic subscribers for bench/run: psql -v subscribers=N -v seed=S -f subscribers.sql
--
-- Replaces every subscriber (the bench database is throw-away) with :subscribers rows: unique
-- addresses at common mail providers and hospital domains, 72% confirmed, 12% pending (touched
-- in the last 6 days, as older ones are purged by the service), 16% unsubscribed; topics a
-- non-empty subset in the service's order (40% all five); 70% give a name; sign-ups spread over
-- three years. A million rows load in seconds: secondary indexes are dropped during the load
-- and rebuilt from their saved definitions.
\set ON_ERROR_STOP on
\if :{?seed}
\else
\set seed 0.42
\endif
SET client_min_messages = warning;
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '64MB';
SET jit = off;
SELECT setseed(:seed);

BEGIN;

TRUNCATE outbox, subscriber_tokens, subscribers;

CREATE TEMP TABLE bench_saved_indexes ON COMMIT DROP AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i
WHERE i.indrelid = 'subscribers'::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT name FROM bench_saved_indexes LOOP
        EXECUTE 'DROP INDEX ' || r.name;
    END LOOP;
END
$$;

INSERT INTO subscribers (email, name, topics, status, consent_version, confirmed_at,
                         unsubscribed_at, confirmations_day, confirmations_sent, created_at,
                         updated_at)
SELECT email, name, topics, status,
       CASE WHEN confirmed_at IS NOT NULL THEN 'join-the-community/2026-11-24' END,
       confirmed_at, unsubscribed_at, created_at::date, 1, created_at,
       greatest(created_at, confirmed_at, unsubscribed_at)
FROM (
    SELECT s.*,
           CASE WHEN s.status = 'pending' THEN NULL
                ELSE least(now(), s.created_at + random() * interval '2 days') END AS confirmed_at
    FROM (
        SELECT g,
               lower(f.first) || CASE WHEN random() < 0.5 THEN '.' ELSE '_' END || lower(l.last)
                   || g || '@' || d.domain AS email,
               CASE WHEN random() < 0.7 THEN f.first || ' ' || l.last END AS name,
               ts.topics,
               status,
               CASE WHEN status = 'pending' THEN now() - random() * interval '6 days'
                    ELSE now() - random() * interval '1100 days' END AS created_at
        FROM (
            SELECT g,
                   CASE WHEN random() < 0.4 THEN 31 ELSE 1 + floor(random() * 31)::int END AS mask,
                   CASE WHEN r < 0.72 THEN 'confirmed' WHEN r < 0.84 THEN 'pending'
                        ELSE 'unsubscribed' END AS status,
                   1 + floor(random() * 40)::int AS fi,
                   1 + floor(random() * 40)::int AS li,
                   1 + floor(random() * 16)::int AS di
            FROM (SELECT g, random() AS r FROM generate_series(1, :subscribers) g) r
        ) x
        JOIN (SELECT * FROM unnest(ARRAY[
                'Ada', 'Ben', 'Carla', 'David', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jamal',
                'Kara', 'Liam', 'Maya', 'Noah', 'Olga', 'Pablo', 'Quinn', 'Rosa', 'Sam', 'Tara',
                'Umar', 'Vera', 'Wes', 'Xenia', 'Yusuf', 'Zoe', 'Amir', 'Beth', 'Chen', 'Dana',
                'Emil', 'Fatima', 'Gus', 'Hana', 'Ivan', 'June', 'Kofi', 'Lena', 'Marco', 'Nia'
             ]) WITH ORDINALITY AS f(first, i)) f ON f.i = x.fi
        JOIN (SELECT * FROM unnest(ARRAY[
                'Smith', 'Garcia', 'Nguyen', 'Okafor', 'Kowalski', 'Rossi', 'Tanaka', 'Haddad',
                'Johansson', 'Murphy', 'Patel', 'Kim', 'Silva', 'Novak', 'Dubois', 'Schmidt',
                'Lopez', 'Brown', 'Wilson', 'Ahmed', 'Jensen', 'Costa', 'Ivanova', 'Mensah',
                'Fischer', 'Moreau', 'Reyes', 'Yilmaz', 'Walker', 'Young', 'Hall', 'Allen',
                'Wright', 'King', 'Scott', 'Green', 'Baker', 'Adams', 'Nelson', 'Hill'
             ]) WITH ORDINALITY AS l(last, i)) l ON l.i = x.li
        JOIN (SELECT * FROM unnest(ARRAY[
                'gmail.com', 'gmail.com', 'gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com',
                'hotmail.com', 'proton.me', 'mercy-health.example.org', 'stlukes.example.org',
                'university-hospital.example.edu', 'childrens-heart.example.org',
                'perfusion-school.example.edu', 'regional-medical.example.com',
                'cardiac-partners.example.com', 'veterans-hospital.example.gov'
             ]) WITH ORDINALITY AS d(domain, i)) d ON d.i = x.di
        -- The 31 non-empty sets of topics, in the service's order (OFFSET 0: made once, not per row).
        JOIN (SELECT mask, ARRAY(SELECT t FROM unnest(ARRAY['research', 'media', 'careers',
                                                           'leadership', 'education'])
                                                WITH ORDINALITY u(t, i)
                                 WHERE (mask >> (i::int - 1)) & 1 = 1 ORDER BY i) AS topics
              FROM generate_series(1, 31) mask
              OFFSET 0) ts ON ts.mask = x.mask
    ) s
) t
CROSS JOIN LATERAL (
    SELECT CASE WHEN t.status = 'unsubscribed'
                THEN t.confirmed_at + random() * (now() - t.confirmed_at) END AS unsubscribed_at
) u;

DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT def FROM bench_saved_indexes LOOP
        EXECUTE r.def;
    END LOOP;
END
$$;

COMMIT;
