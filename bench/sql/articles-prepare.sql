-- Synthetic articles for bench/run, step 1 of 3: psql -v articles=N [-v seed=S] -f articles-prepare.sql
--
-- Replaces every synthetic article (their slugs end in a 7-digit number, which no slug the
-- migrations seed does) with :articles new ones: perfusion titles, 2-6 KB Markdown bodies with the
-- HTML the service's renderer makes of them, excerpts, the 4 seeded categories (40% research,
-- 25% career development, 20% career opportunities, 15% leadership), ~50 tags (2-4 each, a few
-- popular), 92% published over ~10 years (more in recent ones), 3% drafts, 2% scheduled in the
-- next 90 days, 3% archived. Deterministic for a given seed.
--
-- This step drops the secondary indexes of `articles` and `article_tags` (keeping their
-- definitions, from pg_get_indexdef, to rebuild them exactly in step 3), deletes the old
-- synthetic articles, and draws the new ones without their bodies into bench_heads. Step 2
-- (articles-insert.sql) writes the bodies of one share of them and inserts it; bench/run runs
-- one share per core at once (most of the time goes to PostgreSQL computing the generated
-- search vector, row by row). Step 3 (articles-finish.sql) tags the articles, rebuilds the
-- indexes and drops the bench_* tables.
\set ON_ERROR_STOP on
\if :{?seed}
\else
\set seed 0.42
\endif
SET client_min_messages = warning;
-- The loader's commits need not wait for the disk (the server's own settings are untouched).
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '256MB';
-- Compiling these one-off queries costs more than it saves.
SET jit = off;
SELECT setseed(:seed) \gset

BEGIN;

DROP TABLE IF EXISTS bench_tag_weights, bench_saved_indexes, bench_subjects, bench_phrases,
    bench_heads;

-- ~50 tags: the 8 the migrations seed, and these.
INSERT INTO tags (slug, name) VALUES
    ('anticoagulation', 'Anticoagulation'),
    ('heparin', 'Heparin'),
    ('cardioplegia', 'Cardioplegia'),
    ('del-nido', 'del Nido'),
    ('oxygenators', 'Oxygenators'),
    ('cannulation', 'Cannulation'),
    ('hypothermia', 'Hypothermia'),
    ('blood-management', 'Blood management'),
    ('cell-salvage', 'Cell salvage'),
    ('transfusion', 'Transfusion'),
    ('acid-base', 'Acid-base'),
    ('hemodilution', 'Hemodilution'),
    ('goal-directed-perfusion', 'Goal-directed perfusion'),
    ('pediatric-perfusion', 'Pediatric perfusion'),
    ('neonatal-ecmo', 'Neonatal ECMO'),
    ('ecpr', 'ECPR'),
    ('ventricular-assist-devices', 'Ventricular assist devices'),
    ('iabp', 'IABP'),
    ('miecc', 'MiECC'),
    ('heart-transplant', 'Heart transplant'),
    ('lung-transplant', 'Lung transplant'),
    ('aortic-surgery', 'Aortic surgery'),
    ('congenital-heart-disease', 'Congenital heart disease'),
    ('neuroprotection', 'Neuroprotection'),
    ('renal-protection', 'Renal protection'),
    ('air-embolism', 'Air embolism'),
    ('patient-safety', 'Patient safety'),
    ('quality-improvement', 'Quality improvement'),
    ('simulation', 'Simulation'),
    ('checklists', 'Checklists'),
    ('thromboelastography', 'Thromboelastography'),
    ('research-methods', 'Research methods'),
    ('case-reports', 'Case reports'),
    ('guidelines', 'Guidelines'),
    ('mentorship', 'Mentorship'),
    ('salary', 'Salary'),
    ('job-search', 'Job search'),
    ('travel-perfusion', 'Travel perfusion'),
    ('wellness', 'Wellness'),
    ('leadership', 'Leadership'),
    ('management', 'Management'),
    ('students', 'Students')
ON CONFLICT (slug) DO NOTHING;

-- Tag popularity: a few are common (ecmo, cardiopulmonary-bypass, workforce ...), most are not.
CREATE TABLE bench_tag_weights AS
SELECT t.id, CASE t.slug
        WHEN 'ecmo' THEN 8 WHEN 'cardiopulmonary-bypass' THEN 8 WHEN 'workforce' THEN 5
        WHEN 'anticoagulation' THEN 5 WHEN 'education' THEN 5 WHEN 'certification' THEN 4
        WHEN 'cardioplegia' THEN 4 WHEN 'blood-management' THEN 4 WHEN 'patient-safety' THEN 4
        WHEN 'leadership' THEN 3 WHEN 'pediatric-perfusion' THEN 3 WHEN 'oxygenators' THEN 3
        ELSE 1 END::float8 AS weight
FROM tags t;

-- Drop the secondary indexes of the tables we fill (not those behind a constraint), keeping
-- their definitions to rebuild them after the load.
CREATE TABLE bench_saved_indexes AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i
WHERE i.indrelid IN ('articles'::regclass, 'article_tags'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT name FROM bench_saved_indexes LOOP
        EXECUTE 'DROP INDEX ' || r.name;
    END LOOP;
END
$$;

DELETE FROM articles WHERE slug ~ '-[0-9]{7}$';

-- The vocabulary. Subjects by category (1..4 = the seeded categories in their `position`
-- order), each with a theme; phrases by kind: title and excerpt patterns (%s is the subject),
-- headings (h), list items (l), and sentences (p) by theme (0: said of anything). A body's
-- sentences come from its subject's theme (80%) or theme 0, so a search word such as "heparin"
-- is in the articles about its theme, not in every article. No phrase holds a character that
-- Markdown or HTML would escape, so the HTML is the Markdown's structure around the same text.
CREATE TABLE bench_subjects (category int NOT NULL, k int NOT NULL, subject text NOT NULL, theme int NOT NULL);
INSERT INTO bench_subjects VALUES
    (2, 1, 'Cardioplegia Delivery', 1),
    (2, 2, 'Del Nido Cardioplegia', 1),
    (2, 3, 'ECMO Cannulation', 3),
    (2, 4, 'Veno-Arterial ECMO', 3),
    (2, 5, 'Veno-Venous ECMO', 3),
    (2, 6, 'Anticoagulation Management', 2),
    (2, 7, 'Heparin Dosing', 2),
    (2, 8, 'Goal-Directed Perfusion', 1),
    (2, 9, 'Oxygenator Selection', 1),
    (2, 10, 'Blood Conservation', 2),
    (2, 11, 'Cell Salvage', 2),
    (2, 12, 'Circuit Priming', 1),
    (2, 13, 'Hemodilution', 1),
    (2, 14, 'Acid-Base Management', 1),
    (2, 15, 'Cerebral Oxygen Monitoring', 4),
    (2, 16, 'Deep Hypothermic Circulatory Arrest', 4),
    (2, 17, 'Isolated Limb Perfusion', 4),
    (2, 18, 'Ventricular Assist Devices', 3),
    (2, 19, 'Intra-Aortic Balloon Pump Therapy', 3),
    (2, 20, 'Minimally Invasive Extracorporeal Circulation', 1),
    (2, 21, 'Air Embolism Prevention', 6),
    (2, 22, 'Pump Failure Drills', 6),
    (2, 23, 'Transfusion Thresholds', 2),
    (2, 24, 'Thromboelastography', 2),
    (2, 25, 'Renal Protection on Bypass', 1),
    (2, 26, 'ECPR Programs', 3),
    (2, 27, 'Lung Transplant Support', 3),
    (2, 28, 'Heart Transplant Perfusion', 3),
    (2, 29, 'Neonatal ECMO Transport', 4),
    (2, 30, 'Perfusion Research', 6),
    (2, 31, 'Clinical Trials in Perfusion', 6),
    (1, 1, 'Perfusion Staffing', 5),
    (1, 2, 'Career Advancement', 5),
    (1, 3, 'Certification Exam Preparation', 5),
    (1, 4, 'Continuing Education', 5),
    (1, 5, 'Clinical Rotations', 5),
    (3, 1, 'Travel Perfusion Contracts', 5),
    (3, 2, 'Salary Negotiation', 5),
    (3, 3, 'Job Interviews', 5),
    (3, 4, 'Relocation', 5),
    (4, 1, 'Mentorship Programs', 5),
    (4, 2, 'Leadership in the Operating Room', 6),
    (4, 3, 'Burnout and Wellness', 6),
    (4, 4, 'Team Communication', 6),
    (4, 5, 'Department Management', 6);
CREATE TABLE bench_phrases (kind text NOT NULL, theme int NOT NULL, idx int NOT NULL, md text NOT NULL);
INSERT INTO bench_phrases VALUES
    ('title', 0, 1, '%s: What Every Perfusionist Should Know'),
    ('title', 0, 2, 'A Practical Guide to %s'),
    ('title', 0, 3, '%s in Adult Cardiac Surgery'),
    ('title', 0, 4, '%s in Pediatric and Neonatal Patients'),
    ('title', 0, 5, 'Lessons Learned from %s'),
    ('title', 0, 6, 'Rethinking %s: Evidence and Practice'),
    ('title', 0, 7, '%s for New Graduates'),
    ('title', 0, 8, 'Five Questions About %s'),
    ('title', 0, 9, 'How Our Team Improved %s'),
    ('title', 0, 10, '%s: A Review of the Literature'),
    ('title', 0, 11, 'Case Report: Challenges in %s'),
    ('title', 0, 12, 'Building a Protocol for %s'),
    ('title', 0, 13, 'The Future of %s'),
    ('title', 0, 14, '%s During Transplant Procedures'),
    ('title', 0, 15, 'Teaching %s to Perfusion Students'),
    ('title', 0, 16, 'Common Pitfalls in %s'),
    ('title', 0, 17, '%s at a Community Hospital'),
    ('title', 0, 18, 'Ten Years of %s'),
    ('excerpt', 0, 1, 'How perfusion teams approach %s, with practical steps, common pitfalls and what the current evidence says.'),
    ('excerpt', 0, 2, 'A closer look at %s: the numbers, the open questions and what experienced perfusionists recommend.'),
    ('excerpt', 0, 3, 'What we changed in our approach to %s, why we changed it, and the results after one year.'),
    ('excerpt', 0, 4, 'An introduction to %s for students and new graduates, from the basics to the finer points.'),
    ('excerpt', 0, 5, 'The evidence on %s reviewed, with a summary of recent studies and the guidelines that followed.'),
    ('excerpt', 0, 6, 'Perfusionists share how %s works in their programs, and what they would do differently next time.'),
    ('h', 0, 1, 'Patient Selection'),
    ('h', 0, 2, 'Circuit Design'),
    ('h', 0, 3, 'Monitoring on Bypass'),
    ('h', 0, 4, 'Anticoagulation Targets'),
    ('h', 0, 5, 'Weaning From Bypass'),
    ('h', 0, 6, 'What the Evidence Says'),
    ('h', 0, 7, 'Our Protocol'),
    ('h', 0, 8, 'Staffing and Training'),
    ('h', 0, 9, 'Troubleshooting'),
    ('h', 0, 10, 'Outcomes'),
    ('h', 0, 11, 'Key Takeaways'),
    ('h', 0, 12, 'Background'),
    ('h', 0, 13, 'Practical Tips'),
    ('h', 0, 14, 'Equipment and Supplies'),
    ('h', 0, 15, 'Communication With the Surgical Team'),
    ('h', 0, 16, 'Documentation'),
    ('h', 0, 17, 'Quality Metrics'),
    ('h', 0, 18, 'Looking Ahead'),
    ('h', 0, 19, 'Case Discussion'),
    ('h', 0, 20, 'Frequently Asked Questions'),
    ('l', 0, 1, '**Flow:** keep the cardiac index at the target for the patient temperature'),
    ('l', 0, 2, '**Pressure:** hold the mean arterial pressure in the range agreed with the surgeon'),
    ('l', 0, 3, '**Anticoagulation:** check the activated clotting time every thirty minutes'),
    ('l', 0, 4, '**Temperature:** record arterial outlet and bladder temperatures together'),
    ('l', 0, 5, '**Gases:** draw a blood gas after every change of sweep or flow'),
    ('l', 0, 6, '**Volume:** note the reservoir level before and after every drug'),
    ('l', 0, 7, '**Safety:** confirm that the level sensor and bubble detector are armed'),
    ('l', 0, 8, 'Review the case with the surgeon the day before'),
    ('l', 0, 9, 'Prime the circuit and check it for leaks'),
    ('l', 0, 10, 'Calculate the target flow from the body surface area'),
    ('l', 0, 11, 'Confirm the blood type and the number of units available'),
    ('l', 0, 12, 'Keep the emergency hand crank within reach'),
    ('l', 0, 13, 'Document every intervention in the pump record'),
    ('l', 0, 14, 'Debrief with the team after every unplanned event'),
    ('l', 0, 15, 'Ask an experienced colleague to review your first cases'),
    ('l', 0, 16, 'Keep a log of your cases for recertification'),
    ('l', 0, 17, 'Join a professional society and attend its meetings'),
    ('l', 0, 18, 'Read one new paper on perfusion every week'),
    ('l', 0, 19, 'Talk to travel perfusionists before signing a contract'),
    ('l', 0, 20, 'Plan time off after a run of night calls'),
    ('p', 0, 1, 'Perfusionists are the heart of the operation.'),
    ('p', 0, 2, 'Every program adapts these principles to its own patients, equipment and team.'),
    ('p', 0, 3, 'The evidence is still evolving, and practice varies widely between centers.'),
    ('p', 0, 4, 'Experienced perfusionists recommend writing down the plan and reviewing it with the whole team.'),
    ('p', 0, 5, 'Small details in preparation often decide how smoothly a case goes.'),
    ('p', 0, 6, 'Local protocols should be reviewed at least once a year as new studies appear.'),
    ('p', 0, 7, 'The numbers in this article come from published studies and program reports.'),
    ('p', 0, 8, 'Questions from readers are welcome, and we will follow up in a later article.'),
    ('p', 0, 9, 'What works in a large academic center may need changes in a smaller community hospital.'),
    ('p', 0, 10, 'Good documentation makes it easier to learn from every case.'),
    ('p', 0, 11, 'Teamwork and preparation matter as much as technology.'),
    ('p', 0, 12, 'This article is part of a series on everyday perfusion practice.'),
    ('p', 1, 1, 'Cardiopulmonary bypass replaces the function of the heart and lungs for the length of the procedure.'),
    ('p', 1, 2, 'The perfusionist manages the heart-lung machine while the surgical team repairs the heart.'),
    ('p', 1, 3, 'Careful cannulation planning reduces the risk of malposition, bleeding and limb ischemia.'),
    ('p', 1, 4, 'The oxygenator must be checked for pressure drop and gas transfer before every case.'),
    ('p', 1, 5, 'Hemodilution from the priming volume lowers the hematocrit and with it oxygen carrying capacity.'),
    ('p', 1, 6, 'Retrograde autologous priming can reduce the need for transfusion in smaller patients.'),
    ('p', 1, 7, 'Del Nido cardioplegia is often given as a single dose for procedures of moderate length.'),
    ('p', 1, 8, 'Cold blood cardioplegia remains common in adult programs with longer cross-clamp times.'),
    ('p', 1, 9, 'Goal-directed perfusion aims to keep oxygen delivery above a critical threshold throughout bypass.'),
    ('p', 1, 10, 'Oxygen delivery is calculated from pump flow, hemoglobin and arterial oxygen saturation.'),
    ('p', 1, 11, 'The arterial line filter traps emboli before the blood returns to the patient.'),
    ('p', 1, 12, 'Blood gases are drawn at regular intervals to guide ventilation of the oxygenator.'),
    ('p', 1, 13, 'Rewarming is done slowly to avoid gas coming out of solution and cerebral hyperthermia.'),
    ('p', 1, 14, 'Alpha-stat management is preferred by many programs for adults cooled to moderate hypothermia.'),
    ('p', 1, 15, 'Minimally invasive extracorporeal circulation uses a closed circuit with a small priming volume.'),
    ('p', 1, 16, 'Renal protection on bypass starts with adequate flow and mean arterial pressure.'),
    ('p', 1, 17, 'After bypass the perfusionist stays ready to return to the pump if the heart struggles.'),
    ('p', 2, 1, 'Heparin is dosed by weight and confirmed with an activated clotting time before bypass begins.'),
    ('p', 2, 2, 'An activated clotting time above the institutional target is required before the pump is started.'),
    ('p', 2, 3, 'Protamine reverses heparin at the end of the case, and the dose is often guided by a titration assay.'),
    ('p', 2, 4, 'Heparin resistance is suspected when the clotting time does not rise as expected after the loading dose.'),
    ('p', 2, 5, 'Antithrombin supplementation is one option when heparin resistance is confirmed.'),
    ('p', 2, 6, 'Anti-Xa levels are used by a growing number of programs to guide heparin therapy and anticoagulation on ECMO.'),
    ('p', 2, 7, 'Thromboelastography helps the team target blood products to the cause of bleeding.'),
    ('p', 2, 8, 'Transfusion thresholds on bypass have moved lower as evidence has accumulated.'),
    ('p', 2, 9, 'Cell salvage returns washed red cells to the patient and limits exposure to donor blood.'),
    ('p', 2, 10, 'Patient blood management programs combine anemia treatment, salvage and restrictive transfusion.'),
    ('p', 2, 11, 'Bivalirudin is an alternative anticoagulant for patients with heparin-induced thrombocytopenia.'),
    ('p', 2, 12, 'Platelet function declines during long bypass runs and may need support after the pump is stopped.'),
    ('p', 2, 13, 'Anticoagulation protocols spell out the targets, the tests and who adjusts the dose.'),
    ('p', 3, 1, 'Veno-arterial ECMO supports both the heart and the lungs in cardiogenic shock.'),
    ('p', 3, 2, 'Veno-venous ECMO supports gas exchange when the lungs fail and the heart still pumps well.'),
    ('p', 3, 3, 'ECMO circuits are inspected for clots and fibrin at least once per shift.'),
    ('p', 3, 4, 'Extracorporeal cardiopulmonary resuscitation can restore circulation when conventional resuscitation fails.'),
    ('p', 3, 5, 'Ventricular assist devices have become a long-term therapy for many patients with heart failure.'),
    ('p', 3, 6, 'The intra-aortic balloon pump is timed to the cardiac cycle to improve coronary perfusion.'),
    ('p', 3, 7, 'Heart transplant procedures require close coordination with the procurement team.'),
    ('p', 3, 8, 'Lung transplant programs increasingly use ECMO instead of full cardiopulmonary bypass.'),
    ('p', 3, 9, 'Weaning from ECMO is tested with short trials of reduced flow and sweep gas.'),
    ('p', 3, 10, 'Left ventricular distension on peripheral ECMO may require venting or an additional device.'),
    ('p', 3, 11, 'Mobile ECMO teams bring support to patients in hospitals without their own program.'),
    ('p', 3, 12, 'Daily rounds with the intensive care team set the flow, sweep and bleeding goals.'),
    ('p', 3, 13, 'Cannula position on ECMO is confirmed with imaging and checked again after every transport.'),
    ('p', 4, 1, 'Pediatric circuits are sized to the patient to keep the priming volume as small as possible.'),
    ('p', 4, 2, 'Neonatal ECMO transport requires a compact circuit and a team trained for the ambulance.'),
    ('p', 4, 3, 'A small change in the circuit can have a large effect on hemodilution in infants.'),
    ('p', 4, 4, 'During deep hypothermic circulatory arrest every minute of arrest time is recorded and reported.'),
    ('p', 4, 5, 'Near-infrared spectroscopy offers a continuous estimate of regional cerebral oxygen saturation.'),
    ('p', 4, 6, 'Selective antegrade cerebral perfusion is used by many centers during aortic arch repair.'),
    ('p', 4, 7, 'Isolated limb perfusion delivers high doses of chemotherapy to a limb while sparing the rest of the body.'),
    ('p', 4, 8, 'Leak monitoring with a radioactive tracer is standard practice during isolated limb perfusion.'),
    ('p', 4, 9, 'Congenital heart surgery demands close attention to shunts, collaterals and pulmonary blood flow.'),
    ('p', 4, 10, 'Blood prime for neonates is balanced for electrolytes, glucose and calcium before bypass begins.'),
    ('p', 4, 11, 'Ultrafiltration at the end of pediatric bypass removes excess water and raises the hematocrit.'),
    ('p', 5, 1, 'Perfusion students spend many hours in the operating room before their first solo case.'),
    ('p', 5, 2, 'Clinical rotations give perfusion students experience with a wide range of procedures.'),
    ('p', 5, 3, 'The certification exam has a basic science part and a clinical applications part.'),
    ('p', 5, 4, 'Recertification requires continuing education and a minimum number of clinical cases each year.'),
    ('p', 5, 5, 'Many programs report a shortage of perfusionists and rely on travel contracts to fill the gap.'),
    ('p', 5, 6, 'Travel perfusionists move between hospitals on contracts that usually last a few months.'),
    ('p', 5, 7, 'Salary surveys show wide differences between regions and between hospital types.'),
    ('p', 5, 8, 'A good mentor helps new graduates build confidence in the operating room.'),
    ('p', 5, 9, 'Simulation training lets students practice rare emergencies without risk to patients.'),
    ('p', 5, 10, 'Job interviews for perfusion positions often include a tour of the operating rooms and the pump room.'),
    ('p', 5, 11, 'Relocation packages and sign-on bonuses have become common in regions with a shortage.'),
    ('p', 5, 12, 'Accredited programs admit small classes, and competition for places is strong.'),
    ('p', 5, 13, 'Licensure rules differ from state to state, and some states only protect the title.'),
    ('p', 6, 1, 'Chief perfusionists balance clinical work with scheduling, budgets and equipment.'),
    ('p', 6, 2, 'Burnout is a real risk in a profession with long cases and frequent night calls.'),
    ('p', 6, 3, 'Clear communication between the perfusionist, surgeon and anesthesiologist keeps the patient safe.'),
    ('p', 6, 4, 'Air in the arterial line is one of the most feared events in the operating room.'),
    ('p', 6, 5, 'Regular pump failure drills keep the whole team ready for rare but serious emergencies.'),
    ('p', 6, 6, 'Checklists before bypass catch missing supplies and setup errors before they reach the patient.'),
    ('p', 6, 7, 'Perfusion records document flows, pressures, temperatures and every drug given on bypass.'),
    ('p', 6, 8, 'Quality improvement projects in perfusion often start with a review of the pump record.'),
    ('p', 6, 9, 'Research in perfusion has grown, with more multicenter registries and randomized trials.'),
    ('p', 6, 10, 'Registry data allow programs to compare their outcomes with national benchmarks.'),
    ('p', 6, 11, 'Most complications on bypass are prevented by preparation rather than by heroics.'),
    ('p', 6, 12, 'Leadership in perfusion means speaking up when something does not look right.'),
    ('p', 6, 13, 'Staffing models that include a second perfusionist for complex cases improve safety.');
ALTER TABLE bench_phrases ADD COLUMN html text, ADD COLUMN words int;
UPDATE bench_phrases
SET html = regexp_replace(md, '\*\*([^*]+)\*\*', '<strong>\1</strong>', 'g'),
    words = array_length(regexp_split_to_array(md, '\s+'), 1);
ANALYZE bench_subjects, bench_phrases;

-- One row per new article: everything but the body.
CREATE TABLE bench_heads AS
WITH g AS (
    SELECT n, random() AS r_status, random() AS r_cat, random() AS r_subject, random() AS r_title,
           random() AS r_excerpt, random() AS r_time, random() AS r_created, random() AS r_edited,
           random() AS r_edit, random() AS r_size, random() AS r_image
    FROM generate_series(1, :articles) n
), s AS (
    SELECT g.*,
           CASE WHEN r_status < 0.92 THEN 'published' WHEN r_status < 0.95 THEN 'draft'
                WHEN r_status < 0.97 THEN 'scheduled' ELSE 'archived' END AS status,
           CASE WHEN r_cat < 0.25 THEN 1 WHEN r_cat < 0.65 THEN 2
                WHEN r_cat < 0.85 THEN 3 ELSE 4 END AS category
    FROM g
), counts AS (
    SELECT (SELECT count(*) FROM bench_phrases WHERE kind = 'title') AS titles,
           (SELECT count(*) FROM bench_phrases WHERE kind = 'excerpt') AS excerpts
), t AS (
    SELECT s.*, sub.subject, sub.theme,
           CASE s.status
               WHEN 'draft' THEN NULL
               WHEN 'scheduled' THEN date_trunc('hour', now()) + (1 + floor(r_time * 90)) * interval '1 day'
               ELSE now() - (r_time ^ 1.4) * interval '3650 days'
           END AS published_at,
           counts.*
    FROM s
    CROSS JOIN counts
    JOIN (SELECT category, count(*) AS n_subjects FROM bench_subjects GROUP BY 1) c USING (category)
    JOIN bench_subjects sub ON sub.category = s.category AND sub.k = 1 + floor(s.r_subject * c.n_subjects)::int
), u AS (
    SELECT t.*,
           CASE t.status
               WHEN 'draft' THEN now() - r_created * interval '60 days'
               WHEN 'scheduled' THEN now() - r_created * interval '14 days'
               ELSE t.published_at - r_created * interval '21 days'
           END AS created_at
    FROM t
)
SELECT u.n, u.status, u.category, u.subject, u.theme,
       format(tp.md, u.subject) AS title,
       format(ep.md, lower(u.subject)) AS excerpt,
       u.published_at, u.created_at,
       CASE WHEN u.r_edited < 0.2
            THEN least(now(), coalesce(u.published_at, u.created_at) + u.r_edit * interval '200 days')
            ELSE coalesce(u.published_at, u.created_at) END AS updated_at,
       2500 + floor(u.r_size * 3000)::int AS target_bytes,
       u.r_image < 0.4 AS image
FROM u
JOIN bench_phrases tp ON tp.kind = 'title' AND tp.idx = 1 + floor(u.r_title * u.titles)::int
JOIN bench_phrases ep ON ep.kind = 'excerpt' AND ep.idx = 1 + floor(u.r_excerpt * u.excerpts)::int;
ANALYZE bench_heads;

COMMIT;
