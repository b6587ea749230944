#!/usr/bin/env python3
"""Opens a deal in the mock Bitrix24 portal in headless Chromium and debits points in the app's
card tab, as a manager would, for BrowserTests.

    scripts/placement-browser-test.py --record URL --points N --out DIR [--map HOST ...]

The record page (served by the mock portal on one site) posts the placement form into an iframe;
the tab is served by Passline on another site (`--map` names resolve to 127.0.0.1, so the two are
different sites with no cookies shared). The script waits for the tab in the iframe, reads it,
types N into the debit field, presses Debit and reads the tab again. Cross-site frames stay in
the page's process (`--disable-site-isolation-trials`) so DevTools can evaluate in the frame; the
web platform's rules for the frame (CSP frame-ancestors, third-party cookies) are unchanged.
Prints one JSON object with what it saw; exits non-zero on any failure.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

from cdp import Browser  # scripts/ is on the path: it is this file's folder


def tab_frame(browser):
    """The iframe's frame id once it shows the tab (a frame under /bitrix24/placement)."""
    tree = browser.call("Page.getFrameTree")["frameTree"]
    for child in tree.get("childFrames", []):
        if "/bitrix24/placement" in child["frame"].get("url", ""):
            return child["frame"]["id"]
    return None


def frame_eval(browser, frame, expression):
    context = browser.call("Page.createIsolatedWorld", frameId=frame, worldName="passline-test")["executionContextId"]
    return browser.evaluate(expression, context=context)


def wait_frame(browser, expression, what, timeout):
    deadline = time.time() + timeout
    last = ""
    while time.time() < deadline:
        frame = tab_frame(browser)
        if frame:
            try:
                if frame_eval(browser, frame, expression):
                    return frame
                last = frame_eval(browser, frame, "document.body ? document.body.innerText : ''") or ""
            except RuntimeError:
                pass  # the frame is being replaced
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}; the tab says: {last[:500]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", required=True)
    parser.add_argument("--points", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--map", action="append", default=[])
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    parser.add_argument("--timeout", type=float, default=30)
    a = parser.parse_args()
    os.makedirs(a.out, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="passline-chromium-")
    report = {}
    browser = None
    try:
        rules = ", ".join(f"MAP {host} 127.0.0.1" for host in a.map)
        browser = Browser(a.chromium, profile, a.timeout, extra_args=[
            f"--host-resolver-rules={rules}", "--disable-site-isolation-trials",
            "--disable-features=IsolateOrigins,site-per-process"])
        browser.call("Page.enable")
        browser.call("Emulation.setDeviceMetricsOverride", width=1024, height=1000, deviceScaleFactor=1, mobile=False)
        browser.call("Page.navigate", url=a.record)
        frame = wait_frame(browser, "document.querySelector('#debit') !== null", "the tab with its Debit button", a.timeout)
        report["topOrigin"] = browser.evaluate("location.origin")
        report["tabURL"] = frame_eval(browser, frame, "location.href")
        report["tabText"] = frame_eval(browser, frame, "document.body.innerText")
        report["cookies"] = frame_eval(browser, frame, "document.cookie")
        report["before"] = browser.screenshot(os.path.join(a.out, "placement-1-tab.png"))
        frame_eval(browser, frame, f"document.querySelector('#points').value = {json.dumps(a.points)}; document.querySelector('#debit').click(); true")
        frame = wait_frame(browser, "document.querySelector('#notice') !== null", "the tab after Debit", a.timeout)
        report["afterText"] = frame_eval(browser, frame, "document.body.innerText")
        report["after"] = browser.screenshot(os.path.join(a.out, "placement-2-debited.png"))
        print(json.dumps(report, ensure_ascii=False))
    except Exception as error:  # noqa: BLE001 — the report says what failed
        report["error"] = str(error)
        print(json.dumps(report, ensure_ascii=False))
        sys.exit(1)
    finally:
        if browser:
            browser.close()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
