"""The interactive docs in a real browser (headless Chromium), as a developer uses them:
open /docs/, expand "List articles", click "Try it out" and "Execute", and check that the
request went to /api/v1/articles and came back 200 (and the same with the projection chart,
whose SVG must be shown), under the docs' own Content-Security-Policy
(which allows only this service's files): the page must have been served with it, and the
browser console must show no error (a blocked script, style sheet, image or request is one).

    python3 tests/browser/docs_try_it_out.py http://127.0.0.1:8080 [screenshot.png]
"""

import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

base = sys.argv[1].rstrip("/")
screenshot = sys.argv[2] if len(sys.argv) > 2 else None

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,2000"):
    options.add_argument(arg)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
# Debian's driver, named explicitly: nothing is downloaded.
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 30)
failed = 0


def try_it_out(element_id, path):
    """Expands an operation, runs it with its defaults; checks where it went and that it got
    200. Returns the operation's element."""
    global failed
    op = wait.until(EC.presence_of_element_located((By.ID, element_id)))
    driver.execute_script("arguments[0].scrollIntoView()", op)
    op.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    wait.until(lambda d: op.find_elements(By.CSS_SELECTOR, ".try-out__btn")).pop().click()
    wait.until(lambda d: op.find_elements(By.CSS_SELECTOR, "button.execute")).pop().click()
    status = wait.until(
        lambda d: op.find_elements(By.CSS_SELECTOR, ".live-responses-table .response-col_status")
    ).pop().text.strip()
    url = op.find_element(By.CSS_SELECTOR, ".request-url pre").text.strip()
    print(f"Try it out on {element_id} sent GET {url} and got {status}")
    if url.split("?")[0] != f"{base}{path}":
        print(f"FAIL: the request went to {url}, not {base}{path}")
        failed += 1
    if status != "200":
        print(f"FAIL: the answer was {status}, not 200")
        failed += 1
    return op


try:
    driver.get(f"{base}/docs/")
    wait.until(EC.presence_of_element_located((By.ID, "operations-Articles-listArticles")))
    ids = [e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, ".opblock[id]")]
    assert len(ids) == len(set(ids)), f"every operation has its own element id: {ids}"
    try_it_out("operations-Articles-listArticles", "/api/v1/articles")
    if screenshot:
        driver.save_screenshot(screenshot)
    # A chart: Swagger UI shows an SVG answer as highlighted XML (inline styles set by script,
    # which the policy allows).
    chart = try_it_out("operations-Staffing-getWorkforceProjectionChart", "/api/v1/workforce/projection.svg")
    shown = chart.find_element(By.CSS_SELECTOR, ".live-responses-table .highlight-code pre").text
    print(f"The chart's answer is shown: {shown[:40]!r}…")
    if not shown.startswith("<svg"):
        print("FAIL: the chart's answer is not shown")
        failed += 1
    csp = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/docs/').then(r => done(r.headers.get('content-security-policy')))"
        ".catch(e => done(String(e)));"
    )
    print(f"The docs are served with Content-Security-Policy: {csp}")
    if not csp or "script-src 'self'" not in csp or "unsafe" in csp:
        print("FAIL: the docs' policy is not the restrictive one")
        failed += 1
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    for e in errors:
        print(f"FAIL: the browser console says: {e['message']}")
    failed += len(errors)
finally:
    driver.quit()
print(f"{1 - min(failed, 1)} passed, {min(failed, 1)} failed")
sys.exit(1 if failed else 0)
