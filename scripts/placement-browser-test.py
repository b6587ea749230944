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
import time

from cdp import add_common_arguments, run_report  # scripts/ is on the path: it is this file's folder


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
    parser.add_argument("--map", action="append", default=[])
    add_common_arguments(parser)
    a = parser.parse_args()
    report = {}

    def body(browser):
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

    rules = ", ".join(f"MAP {host} 127.0.0.1" for host in a.map)
    run_report(a, report, body, extra_args=[
        f"--host-resolver-rules={rules}", "--disable-site-isolation-trials", "--disable-features=IsolateOrigins,site-per-process"])


if __name__ == "__main__":
    main()
