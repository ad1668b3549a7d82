"""The interactive docs in a real browser (headless Chromium), as a developer uses them:
open /docs/, expand "List articles", click "Try it out" and "Execute", and check that the
request went to /api/v1/articles and came back 200.

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
# Debian's driver, named explicitly: nothing is downloaded.
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 30)
failed = 0
try:
    driver.get(f"{base}/docs/")
    op = wait.until(EC.presence_of_element_located((By.ID, "operations-Articles-listArticles")))
    ids = [e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, ".opblock[id]")]
    assert len(ids) == len(set(ids)), f"every operation has its own element id: {ids}"
    op.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    wait.until(lambda d: op.find_elements(By.CSS_SELECTOR, ".try-out__btn")).pop().click()
    wait.until(lambda d: op.find_elements(By.CSS_SELECTOR, "button.execute")).pop().click()
    status = wait.until(
        lambda d: op.find_elements(By.CSS_SELECTOR, ".live-responses-table .response-col_status")
    ).pop().text.strip()
    url = op.find_element(By.CSS_SELECTOR, ".request-url pre").text.strip()
    if screenshot:
        driver.save_screenshot(screenshot)
    print(f"Try it out on listArticles sent GET {url} and got {status}")
    if url.split("?")[0] != f"{base}/api/v1/articles":
        print(f"FAIL: the request went to {url}, not {base}/api/v1/articles")
        failed += 1
    if status != "200":
        print(f"FAIL: the answer was {status}, not 200")
        failed += 1
finally:
    driver.quit()
print(f"{1 - min(failed, 1)} passed, {min(failed, 1)} failed")
sys.exit(1 if failed else 0)
