#!/usr/bin/python3
"""The web console in Chromium, driven by Selenium: what an operator does, checked in the browser.

Run by console.sh against a running moatd (store filled from the corpus, two messages quarantined
through Postfix). Prints "ok - ..." / "FAIL - ..." lines and, when nothing failed, the line
"console: all checks passed". A screenshot of every page goes to --shots.
"""
import argparse
import json
import re
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--shots", required=True)
parser.add_argument("--maildir", required=True)
args = parser.parse_args()

failures = 0


def check(name, condition):
    global failures
    print(("ok - " if condition else "FAIL - ") + name, flush=True)
    if not condition:
        failures += 1


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000", "--lang=en-US"]:
    options.add_argument(argument)
options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(30)
wait = WebDriverWait(driver, 15)
shot_number = 0


def shot(name):
    global shot_number
    shot_number += 1
    driver.save_screenshot(os.path.join(args.shots, "%02d-%s.png" % (shot_number, name)))


def heading():
    return driver.find_element(By.TAG_NAME, "h1").text


def submit(button_id, notice):
    """Clicks a form's button and waits for the page after it to show `notice`."""
    driver.find_element(By.ID, button_id).click()
    try:
        wait.until(lambda d: notice in "".join(e.text for e in d.find_elements(By.CSS_SELECTOR, ".notice")))
        return True
    except Exception:
        return False


def eventually(condition):
    """Whether `condition()` holds within the wait (a click's page may still be loading)."""
    try:
        wait.until(lambda _: condition())
        return True
    except Exception:
        return False


def text_of(selector):
    elements = driver.find_elements(By.CSS_SELECTOR, selector)
    return elements[0].text if elements else ""


def accessibility(page):
    """Labels on form controls, headings in order, a visible focus ring, no script in the page."""
    unlabelled = []
    for control in driver.find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), select, textarea"):
        ident = control.get_attribute("id")
        labelled = bool(ident) and bool(driver.find_elements(By.CSS_SELECTOR, 'label[for="%s"]' % ident))
        if not labelled and not control.get_attribute("aria-label"):
            unlabelled.append(control.get_attribute("name"))
    check("%s: every form control has a label %s" % (page, unlabelled or ""), not unlabelled)
    levels = [int(h.tag_name[1]) for h in driver.find_elements(By.CSS_SELECTOR, "h1, h2, h3, h4, h5, h6")]
    in_order = bool(levels) and levels[0] == 1 and levels.count(1) == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    check("%s: one h1, headings in order %s" % (page, levels), in_order)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    style = driver.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth];", focused)
    check("%s: the keyboard focus is visible (%s)" % (page, style), style[0] != "none" and style[1] not in ("0px", ""))
    driver.execute_script("arguments[0].blur()", focused)
    check("%s: no script element in the page" % page, not driver.find_elements(By.TAG_NAME, "script"))


def scan(raw):
    request = urllib.request.Request(args.url + "/scan", data=raw.encode(), method="POST",
                                     headers={"Authorization": "Bearer " + args.token})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def misfire_figures():
    row = driver.find_elements(By.CSS_SELECTOR, 'tr[data-engine="misfire"]')
    return row[0].text if row else ""


try:
    # Sign-in: nothing without it.
    driver.get(args.url + "/console/decisions")
    check("an unsigned browser lands on the sign-in page", "/console/signin" in driver.current_url)
    check("the sign-in page says the session ended", "sign in again" in driver.page_source)
    accessibility("sign-in")
    shot("signin")
    driver.find_element(By.ID, "token").send_keys("wrong-token-0000000000")
    driver.find_element(By.ID, "signin").click()
    check("a wrong token is refused", eventually(lambda: "not valid" in text_of(".problem")))
    driver.find_element(By.ID, "token").send_keys(args.token)
    driver.find_element(By.ID, "name").send_keys("ops")
    driver.find_element(By.ID, "signin").click()
    wait.until(lambda d: d.current_url.endswith("/console"))
    check("signed in: the overview", heading() == "Overview")
    check("the operator's name is shown", "console:ops" in text_of(".who"))
    check("messages per hour drawn as a chart", bool(driver.find_elements(By.CSS_SELECTOR, "svg.chart rect")))
    check("the hourly table counts the 35 corpus scans and 2 held messages",
          sum(int(td.text) for td in driver.find_elements(By.CSS_SELECTOR, "#hourly td")) >= 37)
    check("top findings listed", len(driver.find_elements(By.CSS_SELECTOR, "#findings tbody tr")) > 0)
    check("a link to the metrics", bool(driver.find_elements(By.CSS_SELECTOR, 'a[href="/console/metrics"]')))
    cells = [cell.get_attribute("textContent") for cell in driver.find_elements(By.CSS_SELECTOR, '#pools tr[data-pool="default"] td')]
    check("the overview shows the worker pools, every worker up (%r)" % cells,
          len(cells) == 4 and re.fullmatch(r"(\d+) / \1", cells[1]) is not None)
    accessibility("overview")
    shot("overview")

    # Engines: the figures before any feedback.
    driver.find_element(By.LINK_TEXT, "Engines").click()
    check("the engines page", eventually(lambda: heading() == "Engines"))
    names = [row.get_attribute("data-engine") for row in driver.find_elements(By.CSS_SELECTOR, "#engines tbody tr")]
    check("every engine listed %s" % names, set(names) >= {"blocklist", "misfire", "url"})
    before = misfire_figures()
    check("misfire has no labelled samples yet", "No labelled decisions" in before)
    accessibility("engines")
    shot("engines")

    # Decisions: find what misfire flagged, open one, report it as spam.
    driver.find_element(By.LINK_TEXT, "Decisions").click()
    Select(driver.find_element(By.ID, "q-engine")).select_by_value("misfire")
    driver.find_element(By.ID, "search").click()
    eventually(lambda: "engine=misfire" in driver.current_url)
    rows = driver.find_elements(By.CSS_SELECTOR, "#decisions tbody tr")
    check("the log filtered by engine lists misfire's detections (%d)" % len(rows), len(rows) > 0)
    check("every row was flagged by misfire", all("misfire" in row.text for row in rows))
    accessibility("decisions")
    shot("decisions")
    rows[0].find_element(By.TAG_NAME, "a").click()
    check("the decision page", eventually(lambda: heading().startswith("Decisions: ")))
    check("its verdicts include misfire's spam claim", "spam" in text_of('#verdicts tr[data-engine="misfire"]'))
    check("its MIME tree is shown", len(driver.find_elements(By.CSS_SELECTOR, "#mime tbody tr")) >= 1)
    check("the headers Moat added are shown", "X-Moat" in text_of("#headers"))
    accessibility("decision")
    shot("decision")
    Select(driver.find_element(By.ID, "class")).select_by_value("spam")
    check("the feedback is recorded", submit("report", "Feedback recorded"))
    driver.find_element(By.LINK_TEXT, "Engines").click()
    eventually(lambda: heading() == "Engines")
    after = misfire_figures()
    check("misfire's figures changed after the report (%r)" % after, after != before and "n=1" in after and "1.000" in after)

    # Shadow misfire: it leaves the vote and the next scan says so.
    driver.find_element(By.LINK_TEXT, "misfire").click()
    eventually(lambda: heading() == "Engine: misfire")
    Select(driver.find_element(By.ID, "state")).select_by_value("shadow")
    driver.find_element(By.ID, "reason").send_keys("misfires on newsletters")
    check("the state change is confirmed", submit("apply-state", "State changed"))
    check("misfire is in shadow", text_of("#engine-state") == "shadow")
    check("the history names the operator and the reason", "console:ops" in text_of("#history") and "misfires on newsletters" in text_of("#history"))
    accessibility("engine")
    shot("engine")
    decision = scan("From: a@example.com\r\nTo: b@example.org\r\nSubject: offer\r\n\r\nClick for free money.\r\n")
    verdict = [engine for engine in decision["engines"] if engine["engine"] == "misfire"]
    reason = [r for r in decision["reasons"] if r["engine"] == "misfire"]
    check("the next scan ran misfire in shadow", verdict and verdict[0]["state"] == "shadow")
    check("the next scan did not count misfire's vote", reason and reason[0]["counted"] is False)
    # The console's own page for that decision says the same (the store writes it within a second).
    def shadow_shown():
        driver.get(args.url + "/console/decisions/" + decision["id"])
        return driver.find_elements(By.CSS_SELECTOR, '#verdicts tr[data-engine="misfire"]')
    check("the decision page opens for the next scan", eventually(shadow_shown))
    check("the decision page shows misfire ran in shadow", "shadow" in text_of('#verdicts tr[data-engine="misfire"]'))
    check("the decision page shows misfire's vote was not counted", "no" in text_of('#reasons tr[data-engine="misfire"]').split())
    driver.find_element(By.LINK_TEXT, "Overview").click()
    eventually(lambda: heading() == "Overview")
    check("the overview lists misfire out of the vote", "misfire" in text_of("#out-of-vote"))

    # Quarantine: preview safely, release one (Postfix delivers it), delete the other.
    driver.find_element(By.LINK_TEXT, "Quarantine").click()
    eventually(lambda: heading() == "Quarantine")
    held = driver.find_elements(By.CSS_SELECTOR, "#quarantine tbody tr")
    check("both held messages are listed", len(held) == 2)
    check("a hostile subject is shown as text", "<script>alert(" in (held[0].text if held else ""))
    accessibility("quarantine")
    shot("quarantine")
    first_id = held[0].get_attribute("data-id")
    second_id = held[1].get_attribute("data-id")
    held[0].find_element(By.TAG_NAME, "a").click()
    eventually(lambda: heading().startswith("Quarantine: "))
    check("the preview shows the message's text", "QUARANTINE-ME" in driver.find_element(By.ID, "main").text)
    accessibility("held message")
    shot("held")
    check("the release is confirmed", submit("release", "Released"))
    check("the entry shows when it was released", bool(text_of("#released-at")))
    check("the release is recorded with the operator's name", "console:ops" in text_of("#history") and "release" in text_of("#history"))
    new_mail = os.path.join(args.maildir, "new")
    deadline = time.time() + 20
    while time.time() < deadline and not (os.path.isdir(new_mail) and os.listdir(new_mail)):
        time.sleep(0.2)
    check("Postfix delivered the released message", os.path.isdir(new_mail) and bool(os.listdir(new_mail)))
    driver.get(args.url + "/console/quarantine/" + second_id)
    check("the deletion is confirmed", submit("delete", "Deleted"))
    ids = [row.get_attribute("data-id") for row in driver.find_elements(By.CSS_SELECTOR, "#quarantine tbody tr")]
    check("the deleted message is gone, the released one stays listed", second_id not in ids and first_id in ids)
    check("the deletion is recorded with the operator's name", second_id in text_of("#actions") and "delete" in text_of("#actions"))

    # Japanese.
    driver.find_element(By.ID, "lang-ja").click()
    check("the page is in Japanese", eventually(lambda: driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja" and heading() == "隔離"))
    driver.find_element(By.LINK_TEXT, "概要").click()
    check("the overview in Japanese", eventually(lambda: heading() == "概要"))
    accessibility("overview (ja)")
    shot("overview-ja")
    driver.find_element(By.LINK_TEXT, "エンジン").click()
    eventually(lambda: heading() == "エンジン")
    shot("engines-ja")
    driver.find_element(By.ID, "lang-en").click()
    check("back to English", eventually(lambda: heading() == "Engines"))

    driver.find_element(By.ID, "signout").click()
    check("signed out: the sign-in page", eventually(lambda: "/console/signin" in driver.current_url))
    driver.get(args.url + "/console")
    check("after sign-out the console asks for sign-in again", "/console/signin" in driver.current_url)
except Exception as error:  # a missing element is a failure with its message, not a traceback only
    check("the walk through the console finished (%s: %s)" % (type(error).__name__, error), False)
    shot("failure")
finally:
    driver.quit()

if failures == 0:
    print("console: all checks passed")
sys.exit(1 if failures else 0)
