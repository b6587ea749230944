#!/usr/bin/env python3
"""Drives headless Chromium through self-registration, as a person would, for BrowserTests.

    scripts/browser-test.py --base http://127.0.0.1:PORT --sms-file DATA/dev-sms.jsonl --out DIR

Starts `chromium --headless=new` with a throwaway profile and talks to it over the Chrome DevTools
Protocol (scripts/cdp.py, Python's standard library only). With a
phone-sized window it opens BASE/join, types a name, a phone and a child's name, ticks the consent
box and presses the button; reads the code from the development SMS sink's file; types it and
confirms; then opens the card's link (the landing page a computer gets). Finally it opens the link
as an iPhone (user agent override) and saves what Chromium downloads. Screenshots of every page
go to DIR. Prints one JSON object with what it saw; exits non-zero on any failure.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

from cdp import Browser  # scripts/ is on the path: it is this file's folder

IPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")


def latest_code(sms_file, phone, after, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(sms_file):
            lines = [json.loads(l) for l in open(sms_file, encoding="utf-8") if l.strip()]
            mine = [m for m in lines[after:] if m["to"] == phone and "/p/" not in m["text"]]
            for m in reversed(mine):
                digits = [w for w in "".join(c if c.isdigit() else " " for c in m["text"]).split() if len(w) == 6]
                if digits:
                    return digits[0]
        time.sleep(0.1)
    raise RuntimeError(f"no code for {phone} in {sms_file}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--sms-file", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    parser.add_argument("--timeout", type=float, default=30)
    a = parser.parse_args()
    os.makedirs(a.out, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="passline-chromium-")
    downloads = os.path.join(profile, "downloads")
    os.makedirs(downloads)
    report = {"screenshots": []}
    browser = None
    try:
        browser = Browser(a.chromium, profile, a.timeout)
        browser.call("Page.enable")
        browser.call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2, mobile=True)
        report["userAgent"] = browser.evaluate("navigator.userAgent")

        browser.navigate(a.base + "/join?lang=ru")
        report["screenshots"].append(browser.screenshot(os.path.join(a.out, "1-join-form.png")))
        browser.type_into("#name", "Анна Петрова")
        browser.type_into("#phone", "8 (912) 345-67-89")
        browser.type_into("#child1", "Миша Петров")
        browser.evaluate("document.querySelector('input[name=consent]').click()")
        sent_before = sum(1 for l in open(a.sms_file, encoding="utf-8") if l.strip()) if os.path.exists(a.sms_file) else 0
        browser.click_and_wait("button[type=submit]")
        browser.wait_for("document.querySelector('#code') !== null", "the code page")
        report["screenshots"].append(browser.screenshot(os.path.join(a.out, "2-code.png")))

        code = latest_code(a.sms_file, "+79123456789", sent_before, a.timeout)
        browser.type_into("#code", code)
        browser.click_and_wait("button[type=submit]")
        browser.wait_for("document.querySelector('#add-to-wallet') !== null", "the card page")
        report["joinedText"] = browser.text()
        report["screenshots"].append(browser.screenshot(os.path.join(a.out, "3-joined.png"), full_height=1700))
        link = browser.evaluate("document.querySelector('.url a').href")
        report["link"] = link

        # The link on a computer: the landing page with the QR code.
        browser.navigate(link)
        browser.wait_for("document.querySelector('#qr svg') !== null", "the landing page")
        report["landingText"] = browser.text()
        report["landingButton"] = browser.evaluate("document.querySelector('#add-to-wallet').getAttribute('href')")
        report["screenshots"].append(browser.screenshot(os.path.join(a.out, "4-landing.png"), full_height=1700))
        report["landing"] = report["screenshots"][-1]

        # The same link on an iPhone: the browser receives the pass (a download here).
        browser.call("Network.enable")
        browser.call("Network.setUserAgentOverride", userAgent=IPHONE_UA)
        browser.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=downloads)
        try:
            browser.call("Page.navigate", url=link)
        except RuntimeError:
            pass  # a download aborts the navigation
        deadline = time.time() + a.timeout
        done = []
        while time.time() < deadline and not done:
            done = [f for f in os.listdir(downloads) if not f.endswith(".crdownload")]
            time.sleep(0.1)
        if not done:
            raise RuntimeError("the iPhone download did not arrive")
        kept = os.path.join(a.out, done[0])
        shutil.copy(os.path.join(downloads, done[0]), kept)
        report["download"] = kept
        report["ok"] = True
    except Exception as e:  # noqa: BLE001 - report whatever went wrong, with the page's text
        report["ok"] = False
        report["error"] = str(e)
        if browser:
            try:
                report["screenshots"].append(browser.screenshot(os.path.join(a.out, "failure.png")))
                report["pageText"] = browser.text()[:2000]
            except Exception:  # noqa: BLE001
                pass
    finally:
        if browser:
            browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    print(json.dumps(report, ensure_ascii=False))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
