#!/usr/bin/env python3
"""Opens a card's download link in headless Chromium as an Android phone and as an iPhone, for
GoogleWalletServerTests: Android gets the landing page with "Add to Google Wallet", an iPhone gets
the pass itself (no page, so no button).

    scripts/google-button-browser-test.py --link http://127.0.0.1:PORT/p/TOKEN --out DIR

Prints one JSON object: the Android page's buttons and text, whether the iPhone's page has the
Google button, and the screenshot; exits non-zero on any failure.
"""
import argparse
import os
import time

from cdp import add_common_arguments, run_report  # scripts/ is on the path: it is this file's folder

ANDROID_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Mobile Safari/537.36")
IPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
BUTTON = "document.querySelector('#add-to-google-wallet')"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--link", required=True)
    add_common_arguments(parser)
    a = parser.parse_args()
    report = {}

    def body(browser):
        browser.call("Page.enable")
        browser.call("Network.enable")
        browser.call("Emulation.setDeviceMetricsOverride", width=412, height=915, deviceScaleFactor=2, mobile=True)
        browser.call("Network.setUserAgentOverride", userAgent=ANDROID_UA)
        browser.navigate(a.link)
        browser.wait_for(BUTTON + " !== null", "the Google Wallet button")
        report["androidUserAgent"] = browser.evaluate("navigator.userAgent")
        report["androidGoogleHref"] = browser.evaluate(BUTTON + ".getAttribute('href')")
        report["androidGoogleText"] = browser.evaluate(BUTTON + ".innerText")
        report["androidAppleButton"] = browser.evaluate("document.querySelector('#add-to-wallet') !== null")
        report["screenshot"] = browser.screenshot(os.path.join(a.out, "google-android-landing.png"), full_height=1600)

        # An iPhone gets the pass: the navigation becomes a download and no page with the button loads.
        browser.navigate("about:blank")
        browser.call("Network.setUserAgentOverride", userAgent=IPHONE_UA)
        browser.call("Browser.setDownloadBehavior", behavior="deny")
        try:
            browser.call("Page.navigate", url=a.link)
        except RuntimeError:
            pass  # a download aborts the navigation
        time.sleep(1)  # let the response arrive (and be refused as a download)
        report["iphoneGoogleButton"] = browser.evaluate(BUTTON + " !== null")
        report["iphoneLocation"] = browser.evaluate("location.href")

    run_report(a, report, body)


if __name__ == "__main__":
    main()
