#!/usr/bin/env python3
"""Signs in to the operator dashboard in headless Chromium and walks its pages, for AdminBrowserTests.

    scripts/admin-browser-test.py --base http://127.0.0.1:PORT --token-file FILE --search TEXT --out DIR

Opens BASE/admin on a desktop-sized window, types the token read from FILE (a file, so the token is
never in a process's arguments) into the sign-in form and submits it; on the overview checks the
server-drawn SVG charts; searches cards for TEXT and opens the first result's page; opens the
broadcasts; signs out. Saves a PNG screenshot of every page in DIR and checks each is not blank
(decoded here, with the standard library: enough distinct colours and enough pixels off the
background). Prints one JSON object with what it saw; exits non-zero on any failure.
"""
import argparse
import json
import os
import struct
import zlib

from cdp import add_common_arguments, run_report  # scripts/ is on the path: it is this file's folder

WIDTH, HEIGHT = 1280, 1400


def png_pixels(path):
    """(width, height, rows of RGBA or RGB tuples' bytes, bytes per pixel) of an 8-bit PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise RuntimeError(f"{path} is not a PNG")
    pos, idat, width, height, bpp = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            if depth != 8 or color not in (2, 6):
                raise RuntimeError(f"{path}: unexpected PNG format (depth {depth}, colour type {color})")
            bpp = 4 if color == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows, bpp


def blankness(path):
    """Distinct colours, and the share of pixels unlike the most common one (on a grid of samples)."""
    width, height, rows, bpp = png_pixels(path)
    counts = {}
    for y in range(0, height, 4):
        row = rows[y]
        for x in range(0, width, 4):
            px = row[x * bpp:x * bpp + 3]
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    background = max(counts.values())
    return {"width": width, "height": height, "colours": len(counts), "inked": round(1 - background / total, 4)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--search", required=True)
    add_common_arguments(parser)
    a = parser.parse_args()
    token = open(a.token_file, encoding="utf-8").read().strip()
    report = {"screenshots": {}}

    def shoot(browser, name):
        path = browser.screenshot(os.path.join(a.out, f"admin-{name}.png"))
        measure = blankness(path)
        report["screenshots"][name] = {"path": path, **measure}
        if measure["colours"] < 8 or measure["inked"] < 0.01:
            raise RuntimeError(f"the {name} screenshot looks blank: {measure}")

    def body(browser):
        browser.call("Page.enable")
        browser.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)
        browser.navigate(a.base + "/admin")
        browser.wait_for("document.querySelector('#token') !== null", "the sign-in form")
        report["signInText"] = browser.text()
        shoot(browser, "sign-in")

        browser.type_into("#token", token)
        browser.click_and_wait("#sign-in")
        browser.wait_for("document.querySelector('#charts') !== null", "the overview's charts")
        report["overviewURL"] = browser.evaluate("location.href")
        report["overviewText"] = browser.text()
        report["chartCount"] = browser.evaluate("document.querySelectorAll('svg.chart').length")
        report["chartBars"] = browser.evaluate("document.querySelectorAll('svg.chart rect').length")
        report["chartWidth"] = browser.evaluate("document.querySelector('svg.chart').getBoundingClientRect().width")
        # HttpOnly: the page's own scripts (here, the DevTools evaluation) cannot read the session.
        report["scriptCookies"] = browser.evaluate("document.cookie")
        report["tokenInPage"] = browser.evaluate(f"document.documentElement.outerHTML.includes({json.dumps(token)})")
        shoot(browser, "overview")

        browser.navigate(a.base + "/admin/cards?q=" + a.search)
        browser.wait_for("document.querySelector('tr.result a') !== null", "a search result")
        report["searchText"] = browser.text()
        shoot(browser, "search")
        browser.click_and_wait("tr.result a")
        browser.wait_for("document.querySelector('#card-title') !== null", "the card's page")
        report["cardURL"] = browser.evaluate("location.href")
        report["cardText"] = browser.text()
        report["householdRows"] = browser.evaluate("document.querySelectorAll('tr.member').length")
        report["ledgerRows"] = browser.evaluate("document.querySelectorAll('tr.entry').length")
        report["deviceRows"] = browser.evaluate("document.querySelectorAll('tr.device').length")
        shoot(browser, "card")

        browser.navigate(a.base + "/admin/broadcasts")
        browser.wait_for("document.querySelector('#broadcast-list') !== null", "the broadcasts")
        report["broadcastsText"] = browser.text()
        shoot(browser, "broadcasts")

        browser.click_and_wait("#sign-out")
        browser.wait_for("document.querySelector('#token') !== null", "the sign-in form after signing out")
        report["afterSignOutURL"] = browser.evaluate("location.href")
        browser.navigate(a.base + "/admin/cards")
        report["cardsAfterSignOut"] = browser.evaluate("document.querySelector('#token') !== null")

    run_report(a, report, body)


if __name__ == "__main__":
    main()
