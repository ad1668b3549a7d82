"""The widgets and charts as a partner site uses them, in a real browser (headless Chromium):
a static partner page, served from another loopback port, frames every widget and shows every
chart as an image. Each must render (non-zero size, its heading there), the browser console
must stay free of errors (a blocked load under a widget's Content-Security-Policy is one), the
sign-up form must post and show its answer, and axe-core must find no serious or critical
accessibility violation in any widget. With an editor's token in EMBEDS_TOKEN, an article
whose picture is on another site (the partner's) is published, and its card must show it.

    EMBEDS_TOKEN=… python3 tests/browser/embeds_partner_page.py http://127.0.0.1:8080 [shot.png]
"""

import base64
import json
import os
import urllib.request

import functools
import http.server
import pathlib
import sys
import tempfile
import threading

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait

base = sys.argv[1].rstrip("/")
screenshot = sys.argv[2] if len(sys.argv) > 2 else None
here = pathlib.Path(__file__).parent
axe_source = (here / "node_modules/axe-core/axe.min.js").read_text()

WIDGETS = [
    ("/embed/articles?limit=3", "Latest articles"),
    ("/embed/staffing-statistics/certified_perfusionists", "Certified perfusionists"),
    ("/embed/staffing-statistics/annual_graduates?theme=dark&accent=%2366ccff", "New graduates each year"),
    ("/embed/workforce/projection", "Perfusionist supply and demand"),
    ("/embed/history-events?theme=dark", "The history of perfusion"),
    ("/embed/subscribe", "Join the community"),
]
CHARTS = [
    "/api/v1/staffing-statistics/annual_graduates/chart.svg?width=480",
    "/api/v1/workforce/projection.svg?theme=dark&width=480",
]

# The partner's page, on a port of its own: another origin, as a hospital's site would be.
site = pathlib.Path(tempfile.mkdtemp())
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
partner_origin = f"http://127.0.0.1:{server.server_address[1]}"
partner = f"{partner_origin}/index.html"

# An article whose picture is on another site: its card must show it.
card = None
token = os.environ.get("EMBEDS_TOKEN")
if token:
    (site / "picture.png").write_bytes(base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    ))
    article = {"title": "A picture from elsewhere", "body_markdown": "Words.",
               "category": "perfusion-research", "status": "published",
               "excerpt": "Its picture is on the partner's site.",
               "featured_image_url": f"{partner_origin}/picture.png",
               "featured_image_alt": "A one-pixel picture"}
    request = urllib.request.Request(
        f"{base}/api/v1/articles", data=json.dumps(article).encode(), method="POST",
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as res:
        card = "/embed/articles/" + json.load(res)["data"]["slug"]

frames = "\n".join(
    f'<iframe src="{base}{path}" title="{title}" width="600" height="560" style="border:0"></iframe>'
    for path, title in WIDGETS
)
if card:
    frames += f'<iframe id="card" src="{base}{card}" title="An article" width="360" height="420" style="border:0"></iframe>'
images = "\n".join(f'<img src="{base}{path}" alt="chart {i}">' for i, path in enumerate(CHARTS))
(site / "index.html").write_text(
    f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A hospital</title>'
    f'<link rel="icon" href="data:,"></head>'
    f"<body><h1>A hospital's page</h1>{frames}{images}</body></html>"
)

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,4000"):
    options.add_argument(arg)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
# A form's answer replaces the page: an element read while it goes is stale, so look again.
wait = WebDriverWait(driver, 30, ignored_exceptions=[StaleElementReferenceException])
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


try:
    driver.get(partner)
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
    for img in driver.find_elements(By.TAG_NAME, "img"):
        wait.until(lambda d: d.execute_script("return arguments[0].complete", img))
        width = driver.execute_script("return arguments[0].naturalWidth", img)
        check(width > 0, f"the chart {img.get_attribute('src')} is drawn ({width} px wide)")
    for index, (path, heading) in enumerate(WIDGETS):
        frame = driver.find_elements(By.TAG_NAME, "iframe")[index]
        check(frame.size["height"] > 0 and frame.size["width"] > 0, f"{path}: the frame has a size")
        driver.switch_to.frame(frame)
        try:
            wait.until(lambda d: d.find_elements(By.TAG_NAME, "h1"))
            text = driver.find_element(By.TAG_NAME, "h1").text
            height = driver.execute_script("return document.body.scrollHeight")
            check(text == heading and height > 0, f"{path}: renders '{text}' ({height} px)")
            driver.execute_script(axe_source)
            result = driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {runOnly: {type: 'tag', values: "
                "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
                ".then(r => done(r.violations.map(v => [v.id, v.impact, v.nodes.length])))"
                ".catch(e => done([['axe-error', 'critical', String(e)]]));"
            )
            bad = [v for v in result if v[1] in ("serious", "critical")]
            check(not bad, f"{path}: axe finds no serious or critical violation {bad or ''}")
            for v in result:
                if v not in bad:
                    print(f"     (axe, {v[1]}: {v[0]} on {v[2]} element(s))")
            if path == "/embed/subscribe":
                driver.find_element(By.ID, "email").send_keys("partner-test@example.org")
                driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
                wait.until(lambda d: "Check your mail" in d.find_element(By.TAG_NAME, "h1").text)
                status = driver.find_element(By.CSS_SELECTOR, "[role=status]").text
                check("confirmation link" in status, f"{path}: the form posts and answers '{status}'")
        finally:
            driver.switch_to.default_content()
    if card:
        driver.switch_to.frame(driver.find_element(By.ID, "card"))
        try:
            img = wait.until(lambda d: d.find_elements(By.TAG_NAME, "img")).pop()
            wait.until(lambda d: d.execute_script("return arguments[0].complete", img))
            width = driver.execute_script("return arguments[0].naturalWidth", img)
            check(width > 0, f"{card}: the picture from the partner's site is shown ({width} px)")
        finally:
            driver.switch_to.default_content()
    else:
        print("     (no EMBEDS_TOKEN: the article card with a picture is not checked)")
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    check(not errors, f"no errors in the browser console {errors or ''}")
    if screenshot:
        driver.save_screenshot(screenshot)
finally:
    driver.quit()
    server.shutdown()

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("every widget and chart works on a partner's page")
