-- The seed page's own sections as articles, in the page's words, with the corrections of
-- ../shared/seed/facts.json where the page is wrong. body_html is what the service's renderer
-- makes of body_markdown (a test checks that they agree). Published as of 2026-11-23, the date
-- the page's figures were taken in. Runs once: later edits and removals are never undone.

INSERT INTO tags (slug, name) VALUES
    ('community', 'Community'),
    ('advocacy', 'Advocacy'),
    ('workforce', 'Workforce'),
    ('cardiopulmonary-bypass', 'Cardiopulmonary bypass'),
    ('ecmo', 'ECMO'),
    ('isolated-limb-perfusion', 'Isolated limb perfusion'),
    ('certification', 'Certification'),
    ('education', 'Education')
ON CONFLICT (slug) DO NOTHING;

INSERT INTO articles (slug, title, excerpt, body_markdown, body_html, category_id, status,
                      published_at, reading_time_minutes)
SELECT 'join-the-community', $seed$Join the Community$seed$, $seed$Strengthening and connecting the perfusion community: news, guidance and tips for the field.$seed$,
$seed$Perfusionists are the heart of the operation.

As you navigate your career in perfusion, let this resource be the fulcrum you turn to for additional news, guidance, and tips for the field. Here, we will examine the lives of other perfusionists, map out the goals of the career itself, and celebrate continued advancement towards quality care. Perfusionists must have the right state of mind to be responsive to emergency situations that arise in the operating room, and this will be another important resource that promotes your personal health and success as a perfusionist.

## Join the Community

Sign up and receive the best in research and media around the perfusion industry.
$seed$,
$seed$<p>Perfusionists are the heart of the operation.</p>
<p>As you navigate your career in perfusion, let this resource be the fulcrum you turn to for additional news, guidance, and tips for the field. Here, we will examine the lives of other perfusionists, map out the goals of the career itself, and celebrate continued advancement towards quality care. Perfusionists must have the right state of mind to be responsive to emergency situations that arise in the operating room, and this will be another important resource that promotes your personal health and success as a perfusionist.</p>
<h2>Join the Community</h2>
<p>Sign up and receive the best in research and media around the perfusion industry.</p>
$seed$,
       id, 'published', '2026-11-23T00:00:00Z', 1
FROM categories WHERE slug = 'career-development';

INSERT INTO article_tags (article_id, tag_id)
SELECT a.id, t.id FROM articles a, tags t
WHERE a.slug = 'join-the-community' AND t.slug IN ('community');

INSERT INTO articles (slug, title, excerpt, body_markdown, body_html, category_id, status,
                      published_at, reading_time_minutes)
SELECT 'advocating-for-perfusion', $seed$Advocating for Perfusion$seed$, $seed$Perfusion is a vital medical service and an excellent career choice.$seed$,
$seed$It is important to bring awareness to perfusion as a vital medical service and an excellent career choice. Perfusionists play an essential role in today’s medical practice. Their extraordinary contributions provide valuable assistance and save thousands of lives every year.
$seed$,
$seed$<p>It is important to bring awareness to perfusion as a vital medical service and an excellent career choice. Perfusionists play an essential role in today’s medical practice. Their extraordinary contributions provide valuable assistance and save thousands of lives every year.</p>
$seed$,
       id, 'published', '2026-11-23T00:00:00Z', 1
FROM categories WHERE slug = 'career-development';

INSERT INTO article_tags (article_id, tag_id)
SELECT a.id, t.id FROM articles a, tags t
WHERE a.slug = 'advocating-for-perfusion' AND t.slug IN ('advocacy');

INSERT INTO articles (slug, title, excerpt, body_markdown, body_html, category_id, status,
                      published_at, reading_time_minutes)
SELECT 'staffing-trends', $seed$Staffing Trends$seed$, $seed$The figures behind the perfusionist shortage, with their sources and their limits.$seed$,
$seed$The figures as the Perfusion Partners page states them, each with what its sources say:

- **There are 4,522 certified perfusionists.** The origin of this figure has not been traced. Other counts: 3,875 certified perfusionists were eligible for the [ABCP 2015-16 recertification survey](https://ject.edpsciences.org/articles/ject/abs/2017/03/ject-49-137/ject-49-137.html), and [Michigan Medicine](https://mmheadlines.org/2022/05/thank-you-michigan-medicine-perfusionists/) gave 3,989 in 2022.
- **Approximately 44.3% of the workforce are older than 50 years.** The figure comes from the ABCP 2015-16 survey, whose wording is “over the age of 49”, and it describes the survey's respondents ([SpecialtyCare](https://specialtycareus.com/top-5-most-interesting-perfusion-statistics/)).
- **Over 300 people leave the workforce every year.** No underlying data is cited; [SpecialtyCare](https://specialtycareus.com/specialtycare-addresses-perfusionist-shortage-with-brown-brukardt-scholarship/) estimated around 280 in 2017.
- **There are approximately 200 new graduates every year.** Not traced; other estimates are 180 entry-level perfusionists in 2017 and “only about 150” a year ([SpecialtyCare, 2024](https://specialtycareus.com/specialtycare-leads-the-industry-in-perfusion-careers-as-60-of-americans-are-projected-to-have-heart-disease-by-2050/)).
- **There is a current perfusionist shortage of nearly 100 clinicians.** This appears to be 300 leavers minus 200 graduates; no independent source gives it. SpecialtyCare estimated 320 open positions in 2024.
$seed$,
$seed$<p>The figures as the Perfusion Partners page states them, each with what its sources say:</p>
<ul>
<li><strong>There are 4,522 certified perfusionists.</strong> The origin of this figure has not been traced. Other counts: 3,875 certified perfusionists were eligible for the <a href="https://ject.edpsciences.org/articles/ject/abs/2017/03/ject-49-137/ject-49-137.html" rel="noopener noreferrer">ABCP 2015-16 recertification survey</a>, and <a href="https://mmheadlines.org/2022/05/thank-you-michigan-medicine-perfusionists/" rel="noopener noreferrer">Michigan Medicine</a> gave 3,989 in 2022.</li>
<li><strong>Approximately 44.3% of the workforce are older than 50 years.</strong> The figure comes from the ABCP 2015-16 survey, whose wording is “over the age of 49”, and it describes the survey's respondents (<a href="https://specialtycareus.com/top-5-most-interesting-perfusion-statistics/" rel="noopener noreferrer">SpecialtyCare</a>).</li>
<li><strong>Over 300 people leave the workforce every year.</strong> No underlying data is cited; <a href="https://specialtycareus.com/specialtycare-addresses-perfusionist-shortage-with-brown-brukardt-scholarship/" rel="noopener noreferrer">SpecialtyCare</a> estimated around 280 in 2017.</li>
<li><strong>There are approximately 200 new graduates every year.</strong> Not traced; other estimates are 180 entry-level perfusionists in 2017 and “only about 150” a year (<a href="https://specialtycareus.com/specialtycare-leads-the-industry-in-perfusion-careers-as-60-of-americans-are-projected-to-have-heart-disease-by-2050/" rel="noopener noreferrer">SpecialtyCare, 2024</a>).</li>
<li><strong>There is a current perfusionist shortage of nearly 100 clinicians.</strong> This appears to be 300 leavers minus 200 graduates; no independent source gives it. SpecialtyCare estimated 320 open positions in 2024.</li>
</ul>
$seed$,
       id, 'published', '2026-11-23T00:00:00Z', 1
FROM categories WHERE slug = 'career-opportunities';

INSERT INTO article_tags (article_id, tag_id)
SELECT a.id, t.id FROM articles a, tags t
WHERE a.slug = 'staffing-trends' AND t.slug IN ('workforce');

INSERT INTO articles (slug, title, excerpt, body_markdown, body_html, category_id, status,
                      published_at, reading_time_minutes)
SELECT 'perfusion-in-practice', $seed$Perfusion in Practice$seed$, $seed$The three types of perfusion, and the steps taken whenever perfusion services are performed.$seed$,
$seed$There are three different types of perfusion: cardiopulmonary bypass, extracorporeal membrane oxygenation, and isolated limb perfusion.

- **Cardiopulmonary bypass.** Blood returning to the heart is diverted through a heart-lung machine (pump plus oxygenator) and returned to the arterial circulation, temporarily taking over heart and lung function so surgeons can operate on a still, bloodless heart; the machine is run by a perfusionist. ([Source](https://www.rxlist.com/script/main/art.asp?articlekey=2631))
- **Extracorporeal membrane oxygenation (ECMO).** A form of temporary life support, in use since the early 1970s and based on bypass technology, that drains venous blood through a membrane oxygenator to add oxygen and remove carbon dioxide before returning it; veno-venous ECMO supports the lungs and veno-arterial ECMO supports both heart and lungs, for days to weeks. ([Source](https://perfusion.com/extracorporeal-membrane-oxygenation-indications-technique-and-contemporary-outcomes))
- **Isolated limb perfusion.** A regional cancer treatment, introduced by Creech and colleagues in 1958, in which the circulation of an arm or leg is temporarily isolated and high-dose chemotherapy (usually melphalan) is circulated through the limb by a heart-lung machine, often with hyperthermia, for melanoma or sarcoma confined to the limb. ([Source](https://rd.springer.com/chapter/10.1007/978-1-59259-219-7_5))

When perfusion services are performed, there are necessary steps taken across all areas, including:

1. Pre-operative equipment inspection
2. Circuit setup and prime
3. Ancillary support
4. Communications
5. Intra-operative initiation of emergency bypass
6. Post-operative
7. Reporting and continuous improvement
$seed$,
$seed$<p>There are three different types of perfusion: cardiopulmonary bypass, extracorporeal membrane oxygenation, and isolated limb perfusion.</p>
<ul>
<li><strong>Cardiopulmonary bypass.</strong> Blood returning to the heart is diverted through a heart-lung machine (pump plus oxygenator) and returned to the arterial circulation, temporarily taking over heart and lung function so surgeons can operate on a still, bloodless heart; the machine is run by a perfusionist. (<a href="https://www.rxlist.com/script/main/art.asp?articlekey=2631" rel="noopener noreferrer">Source</a>)</li>
<li><strong>Extracorporeal membrane oxygenation (ECMO).</strong> A form of temporary life support, in use since the early 1970s and based on bypass technology, that drains venous blood through a membrane oxygenator to add oxygen and remove carbon dioxide before returning it; veno-venous ECMO supports the lungs and veno-arterial ECMO supports both heart and lungs, for days to weeks. (<a href="https://perfusion.com/extracorporeal-membrane-oxygenation-indications-technique-and-contemporary-outcomes" rel="noopener noreferrer">Source</a>)</li>
<li><strong>Isolated limb perfusion.</strong> A regional cancer treatment, introduced by Creech and colleagues in 1958, in which the circulation of an arm or leg is temporarily isolated and high-dose chemotherapy (usually melphalan) is circulated through the limb by a heart-lung machine, often with hyperthermia, for melanoma or sarcoma confined to the limb. (<a href="https://rd.springer.com/chapter/10.1007/978-1-59259-219-7_5" rel="noopener noreferrer">Source</a>)</li>
</ul>
<p>When perfusion services are performed, there are necessary steps taken across all areas, including:</p>
<ol>
<li>Pre-operative equipment inspection</li>
<li>Circuit setup and prime</li>
<li>Ancillary support</li>
<li>Communications</li>
<li>Intra-operative initiation of emergency bypass</li>
<li>Post-operative</li>
<li>Reporting and continuous improvement</li>
</ol>
$seed$,
       id, 'published', '2026-11-23T00:00:00Z', 2
FROM categories WHERE slug = 'perfusion-research';

INSERT INTO article_tags (article_id, tag_id)
SELECT a.id, t.id FROM articles a, tags t
WHERE a.slug = 'perfusion-in-practice' AND t.slug IN ('cardiopulmonary-bypass', 'ecmo', 'isolated-limb-perfusion');

INSERT INTO articles (slug, title, excerpt, body_markdown, body_html, category_id, status,
                      published_at, reading_time_minutes)
SELECT 'education-and-certification', $seed$Education and Certification$seed$, $seed$From a bachelor's degree and an accredited program to the CCP credential, with today's rules.$seed$,
$seed$A bachelor’s degree is required to enroll in any accredited perfusion program, which includes two years of classroom studies accompanied by hands-on clinical training. After you complete a perfusion program, you can work until you obtain your certification. Some states require a license to practice, while others do not.

The Perfusion Partners page counts seventeen accredited perfusion programs in the United States. No authoritative current count has been found, and third-party figures conflict ([16](https://vault.com/professions/perfusionists/requirements), [19](https://perfusion.com/how-to-become-a-perfusionist/), [23](https://peakng.com/perfusion-schools-in-the-us)); CAAHEP's program finder gives a live count.

## The path to the CCP credential

The credential is the CCP (Certified Clinical Perfusionist), awarded by the American Board of Cardiovascular Perfusion (ABCP) after passing both the Perfusion Basic Science Examination (PBSE) and the Clinical Applications in Perfusion Examination (CAPE).

1. Earn a bachelor's degree.
2. Complete an accredited perfusion program: about two years of classroom study with hands-on clinical training, accredited by CAAHEP on the recommendation of AC-PE.
3. Record at least 75 clinical perfusions during the program; since 1 July 2023 at least 70 must be primary CPB and at least 5 ECMO or VAD cases.
4. Pass the PBSE.
5. Perform 40 independent clinical perfusions after graduation.
6. Pass the CAPE.
7. Become a Certified Clinical Perfusionist (CCP).

## A correction

The Perfusion Partners page says that completing an additional forty independent CPB procedures makes you eligible to forego the second board exam. Under current ABCP rules nothing is skipped: the 40 independent cases after graduation are a requirement for sitting the CAPE, and a candidate who meets every requirement may take the PBSE and the CAPE in the same window. ([ABCP](https://www.abcp.org/prospective-ccps/examinations))
$seed$,
$seed$<p>A bachelor’s degree is required to enroll in any accredited perfusion program, which includes two years of classroom studies accompanied by hands-on clinical training. After you complete a perfusion program, you can work until you obtain your certification. Some states require a license to practice, while others do not.</p>
<p>The Perfusion Partners page counts seventeen accredited perfusion programs in the United States. No authoritative current count has been found, and third-party figures conflict (<a href="https://vault.com/professions/perfusionists/requirements" rel="noopener noreferrer">16</a>, <a href="https://perfusion.com/how-to-become-a-perfusionist/" rel="noopener noreferrer">19</a>, <a href="https://peakng.com/perfusion-schools-in-the-us" rel="noopener noreferrer">23</a>); CAAHEP's program finder gives a live count.</p>
<h2>The path to the CCP credential</h2>
<p>The credential is the CCP (Certified Clinical Perfusionist), awarded by the American Board of Cardiovascular Perfusion (ABCP) after passing both the Perfusion Basic Science Examination (PBSE) and the Clinical Applications in Perfusion Examination (CAPE).</p>
<ol>
<li>Earn a bachelor's degree.</li>
<li>Complete an accredited perfusion program: about two years of classroom study with hands-on clinical training, accredited by CAAHEP on the recommendation of AC-PE.</li>
<li>Record at least 75 clinical perfusions during the program; since 1 July 2023 at least 70 must be primary CPB and at least 5 ECMO or VAD cases.</li>
<li>Pass the PBSE.</li>
<li>Perform 40 independent clinical perfusions after graduation.</li>
<li>Pass the CAPE.</li>
<li>Become a Certified Clinical Perfusionist (CCP).</li>
</ol>
<h2>A correction</h2>
<p>The Perfusion Partners page says that completing an additional forty independent CPB procedures makes you eligible to forego the second board exam. Under current ABCP rules nothing is skipped: the 40 independent cases after graduation are a requirement for sitting the CAPE, and a candidate who meets every requirement may take the PBSE and the CAPE in the same window. (<a href="https://www.abcp.org/prospective-ccps/examinations" rel="noopener noreferrer">ABCP</a>)</p>
$seed$,
       id, 'published', '2026-11-23T00:00:00Z', 2
FROM categories WHERE slug = 'career-development';

INSERT INTO article_tags (article_id, tag_id)
SELECT a.id, t.id FROM articles a, tags t
WHERE a.slug = 'education-and-certification' AND t.slug IN ('certification', 'education');
