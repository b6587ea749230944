#!/usr/bin/env python3
"""Drives headless Chromium through the designers' studio, for BrowserTests.

    scripts/studio-browser-test.py --base http://127.0.0.1:PORT --edit FILE --out DIR

Opens the loyalty template in each tier and language and Apple's sample StoreCard (imported as
the `storecard` template), takes a screenshot of each, and measures the drawing in the page
(getBoundingClientRect): the primary field's box, the strip's, the logo's and the header fields',
the row of fields and the barcode. Then, with the loyalty page open, appends a newline to FILE (a
file of that template) and waits for the page to reload itself (server-sent events). Prints one
JSON object with what it saw; exits non-zero on any failure.
"""
import argparse
import os
import time

from cdp import add_common_arguments, run_report  # scripts/ is on the path: it is this file's folder

MEASURE = """(() => {
  const box = s => { const e = document.querySelector(s); if (!e) return null;
    const r = e.getBoundingClientRect(); return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  return {strip: box('[data-part=strip]'), primary: box('[data-group=primaryFields]'), logo: box('[data-part=logo]'),
          headers: box('[data-part=headers]'), header: box('[data-group=headerFields]'), row: box('[data-part=row]'),
          barcode: box('[data-part=barcode]'), text: document.querySelector('[data-side=front]').innerText};
})()"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--edit", required=True)
    add_common_arguments(parser)
    a = parser.parse_args()
    report = {"pages": {}}

    def body(browser):
        browser.call("Page.enable")
        browser.call("Emulation.setDeviceMetricsOverride", width=1100, height=900, deviceScaleFactor=1, mobile=False)
        pages = [(f"loyalty-{tier}-{lang}", f"/templates/loyalty?variant={tier}&lang={lang}")
                 for tier in ("base", "silver", "gold") for lang in ("ru", "en")]
        pages.append(("storecard", "/templates/storecard"))
        for name, path in pages:
            browser.navigate(a.base + path)
            seen = browser.evaluate(MEASURE)
            seen["screenshot"] = browser.screenshot(os.path.join(a.out, f"studio-{name}.png"))
            report["pages"][name] = seen

        # Live reload: a saved file redraws the open page.
        browser.navigate(a.base + "/templates/loyalty?variant=gold&lang=en")
        browser.evaluate("window.__marker = 1")
        time.sleep(0.5)  # the page's EventSource connects
        with open(a.edit, "a", encoding="utf-8") as f:
            f.write("\n")
        browser.wait_for("window.__marker === undefined && document.readyState === 'complete'", "the page to reload after the save")
        report["reloaded"] = True

    run_report(a, report, body)


if __name__ == "__main__":
    main()
