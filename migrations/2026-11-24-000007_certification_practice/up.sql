-- Certification (the pathway to the CCP credential, accredited programs, licensure by state) and
-- perfusion in practice, from ../shared/seed/facts.json.

-- The pathway's fixed facts: one row.
CREATE TABLE certification_overview (
    id                         INTEGER PRIMARY KEY CHECK (id = 1),
    credential_code            TEXT NOT NULL,
    credential_name            TEXT NOT NULL,
    awarded_by                 TEXT NOT NULL,
    credential                 TEXT NOT NULL,
    seed_page_says             TEXT NOT NULL,
    correction                 TEXT NOT NULL,
    recertification_frequency  TEXT NOT NULL,
    recertification_clinical   TEXT NOT NULL,
    recertification_professional TEXT NOT NULL,
    recertification_sources    TEXT[] NOT NULL,
    accreditation_bodies       TEXT NOT NULL,
    accreditation_thresholds   TEXT NOT NULL,
    accreditation_sources      TEXT[] NOT NULL,
    programs_note              TEXT NOT NULL,
    updated_at                 TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO certification_overview VALUES (1, 'CCP', 'Certified Clinical Perfusionist',
    'American Board of Cardiovascular Perfusion (ABCP)',
    'CCP (Certified Clinical Perfusionist), awarded by the American Board of Cardiovascular Perfusion (ABCP, est. 1975) after passing both the PBSE and the CAPE.',
    'A bachelor''s degree is required to enroll in any of seventeen accredited programs (two years of classroom study with hands-on clinical training). Certification needs a minimum of 75 assisted CPB procedures at an accredited academic medical center followed by two board exams; passing the second makes one a certified clinical perfusionist (CCP). The page adds that 40 additional independent CPB procedures make one eligible to forgo the second exam. Some states require a license.',
    'Seed: ''75 assisted CPB procedures and 40 independent cases lets you skip...''. Current rules: the 75 program cases must include at least 5 ECMO/VAD cases (since July 2023), and the 40 post-graduation independent cases are a CAPE eligibility requirement. Meeting both lets a candidate take PBSE and CAPE in the same window; nothing is skipped.',
    'annual',
    'At least 40 clinical activities per year (1 July-30 June), at least 25 Primary Clinical Perfusion Activities, at most 15 secondary; Clinical Activity Report due 31 July. Newly certified in fall: 20 cases for the first cycle.',
    '45 continuing education units (CEUs) per 3-year cycle, at least 15 in Category I.',
    ARRAY['https://www.abcp.org/for-ccps/recertification/clinical-activity', 'https://abcp.org/recertification/professional-activity']::text[],
    'AC-PE (Accreditation Committee-Perfusion Education) reviews programs and recommends; CAAHEP (Commission on Accreditation of Allied Health Education Programs) awards accreditation.',
    '70% of graduates must pass PBSE and CAPE (3-year average).',
    ARRAY['https://ac-pe.org/students/for-students/', 'https://ac-pe.org/forprograms/new-programsgetting-started/']::text[],
    'No authoritative current count found; third-party figures conflict (16, 19, 23). Emory and USC hold AC-PE candidacy (http://ac-pe.org/wordpress/programs-with-candidacy-status). Use CAAHEP''s program finder for a live count.');

-- The ordered steps to the credential (editable).
CREATE TABLE certification_steps (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    position   INTEGER NOT NULL,
    title      TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    detail     TEXT CHECK (char_length(detail) <= 2000),
    source_url TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX certification_steps_order ON certification_steps (position, id);
SELECT diesel_manage_updated_at('certification_steps');
INSERT INTO certification_steps (position, title, detail, source_url) VALUES
    (1, 'Earn a bachelor''s degree',
     'A bachelor''s degree is required to enroll in any accredited perfusion program.',
     'https://perfusionleaders.com/about-us/'),
    (2, 'Complete an accredited perfusion program',
     'About two years of classroom study with hands-on clinical training, in a program accredited by CAAHEP on the recommendation of AC-PE.',
     'https://ac-pe.org/students/for-students/'),
    (3, 'Record 75 clinical perfusions',
     'At least 75 clinical perfusions during the program; since 1 July 2023 at least 70 must be primary CPB and at least 5 ECMO or VAD cases. (The seed page: 75 assisted CPB procedures at an accredited academic medical center.)',
     'https://abcp.org/certification/examinations/perfusion-basic-science-examination'),
    (4, 'Pass the Perfusion Basic Science Examination (PBSE)',
     'About 220 multiple-choice items, offered each spring and fall at testing centers.',
     'https://abcp.org/certification/examinations/perfusion-basic-science-examination'),
    (5, 'Perform 40 independent clinical perfusions after graduation',
     '40 independent cases after graduation are required to sit the second exam. (The seed page says they let one forgo the second exam; current ABCP rules make them a requirement for it.)',
     'https://med.uth.edu/perfusion/education/curriculum/'),
    (6, 'Pass the Clinical Applications in Perfusion Examination (CAPE)',
     '200-230 scenario-based multiple-choice items. A candidate who meets every requirement may sit both exams in the same window.',
     'https://www.abcp.org/prospective-ccps/examinations'),
    (7, 'Become a Certified Clinical Perfusionist (CCP)',
     'Passing both exams confers the CCP credential from the American Board of Cardiovascular Perfusion (ABCP).',
     'https://www.abcp.org/for-students/certification');

-- How many accredited programs sources say there are (no sourced list exists).
CREATE TABLE certification_program_counts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    value      INTEGER NOT NULL CHECK (value >= 0),
    source     TEXT NOT NULL,
    source_url TEXT,
    as_of      DATE,
    note       TEXT
);
INSERT INTO certification_program_counts (value, source, source_url, as_of, note) VALUES
    (17, 'Perfusion Partners page', 'https://perfusionleaders.com/about-us/', '2026-11-23', 'The seed page: "seventeen accredited perfusion programs in the United States".'),
    (16, 'vault.com', 'https://vault.com/professions/perfusionists/requirements', NULL, 'undated'),
    (19, 'perfusion.com', 'https://perfusion.com/how-to-become-a-perfusionist/', NULL, 'undated'),
    (23, 'peakng.com', 'https://peakng.com/perfusion-schools-in-the-us', NULL, '2026 (third-party, low reliability)');

-- The accredited programs directory: admin-managed, empty until a sourced list is entered.
CREATE TABLE accredited_programs (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                 TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    institution          TEXT NOT NULL CHECK (char_length(institution) BETWEEN 1 AND 200),
    city                 TEXT CHECK (char_length(city) <= 100),
    state                TEXT CHECK (state ~ '^[A-Z]{2}$'),
    degree               TEXT CHECK (char_length(degree) <= 100),
    url                  TEXT,
    accreditation_status TEXT NOT NULL DEFAULT 'accredited'
                         CHECK (accreditation_status IN ('accredited', 'candidacy', 'probation')),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX accredited_programs_order ON accredited_programs (name, id);
SELECT diesel_manage_updated_at('accredited_programs');

-- Licensure by state (the 50 states and DC).
CREATE TABLE licensure (
    state            TEXT PRIMARY KEY CHECK (state ~ '^[A-Z]{2}$'),
    name             TEXT NOT NULL UNIQUE,
    license_required TEXT NOT NULL CHECK (license_required IN ('yes', 'no', 'title_protection')),
    as_of            DATE,
    source_url       TEXT,
    note             TEXT CHECK (char_length(note) <= 2000),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
SELECT diesel_manage_updated_at('licensure');
INSERT INTO licensure (state, name, license_required, as_of, source_url, note) VALUES
    ('AL', 'Alabama', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('AK', 'Alaska', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('AZ', 'Arizona', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('AR', 'Arkansas', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('CA', 'California', 'title_protection', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('CO', 'Colorado', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('CT', 'Connecticut', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('DE', 'Delaware', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('DC', 'District of Columbia', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('FL', 'Florida', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('GA', 'Georgia', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('HI', 'Hawaii', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('ID', 'Idaho', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('IL', 'Illinois', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('IN', 'Indiana', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('IA', 'Iowa', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('KS', 'Kansas', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('KY', 'Kentucky', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('LA', 'Louisiana', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('ME', 'Maine', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('MD', 'Maryland', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('MA', 'Massachusetts', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('MI', 'Michigan', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('MN', 'Minnesota', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('MS', 'Mississippi', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('MO', 'Missouri', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('MT', 'Montana', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('NE', 'Nebraska', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('NV', 'Nevada', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('NH', 'New Hampshire', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('NJ', 'New Jersey', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('NM', 'New Mexico', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('NY', 'New York', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('NC', 'North Carolina', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('ND', 'North Dakota', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('OH', 'Ohio', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('OK', 'Oklahoma', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('OR', 'Oregon', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('PA', 'Pennsylvania', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('RI', 'Rhode Island', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('SC', 'South Carolina', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('SD', 'South Dakota', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('TN', 'Tennessee', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('TX', 'Texas', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('UT', 'Utah', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('VT', 'Vermont', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('VA', 'Virginia', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('WA', 'Washington', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('WV', 'West Virginia', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).'),
    ('WI', 'Wisconsin', 'yes', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', NULL),
    ('WY', 'Wyoming', 'no', '2024-06-04', 'https://www.unmc.edu/alliedhealth/academics/programs/cpe/admission/certification.html', 'All other states: no state license required (as of the source date).');

-- Perfusion in practice: the types of perfusion and the steps of a perfusion service.
CREATE TABLE practice_types (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE
               CHECK (char_length(slug) <= 120 AND slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name       TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    summary    TEXT NOT NULL CHECK (char_length(summary) BETWEEN 1 AND 2000),
    source_url TEXT,
    position   INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX practice_types_order ON practice_types (position, id);
SELECT diesel_manage_updated_at('practice_types');
INSERT INTO practice_types (slug, name, summary, source_url, position) VALUES
    ('cardiopulmonary-bypass', 'Cardiopulmonary bypass',
     'Blood returning to the heart is diverted through a heart-lung machine (pump plus oxygenator) and returned to the arterial circulation, temporarily taking over heart and lung function so surgeons can operate on a still, bloodless heart; the machine is run by a perfusionist.',
     'https://www.rxlist.com/script/main/art.asp?articlekey=2631', 1),
    ('ecmo', 'Extracorporeal membrane oxygenation (ECMO)',
     'A form of temporary life support, in use since the early 1970s and based on bypass technology, that drains venous blood through a membrane oxygenator to add oxygen and remove carbon dioxide before returning it; veno-venous ECMO supports the lungs and veno-arterial ECMO supports both heart and lungs, for days to weeks.',
     'https://perfusion.com/extracorporeal-membrane-oxygenation-indications-technique-and-contemporary-outcomes', 2),
    ('isolated-limb-perfusion', 'Isolated limb perfusion',
     'A regional cancer treatment, introduced by Creech and colleagues in 1958, in which the circulation of an arm or leg is temporarily isolated and high-dose chemotherapy (usually melphalan) is circulated through the limb by a heart-lung machine, often with hyperthermia, for melanoma or sarcoma confined to the limb.',
     'https://rd.springer.com/chapter/10.1007/978-1-59259-219-7_5', 3);

CREATE TABLE practice_steps (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    position   INTEGER NOT NULL,
    title      TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    detail     TEXT CHECK (char_length(detail) <= 2000),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX practice_steps_order ON practice_steps (position, id);
SELECT diesel_manage_updated_at('practice_steps');
-- The seed page's seven steps; it gives titles only.
INSERT INTO practice_steps (position, title) VALUES
    (1, 'Pre-operative equipment inspection'),
    (2, 'Circuit setup and prime'),
    (3, 'Ancillary support'),
    (4, 'Communications'),
    (5, 'Intra-operative initiation of emergency bypass'),
    (6, 'Post-operative'),
    (7, 'Reporting and continuous improvement');
