#!/usr/bin/env python3
"""Drives headless Chromium through self-registration, as a person would, for BrowserTests.

    scripts/browser-test.py --base http://127.0.0.1:PORT --sms-file DATA/dev-sms.jsonl --out DIR

Starts `chromium --headless=new` with a throwaway profile and talks to it over the Chrome DevTools
Protocol (a WebSocket; the minimal client below needs only Python's standard library). With a
phone-sized window it opens BASE/join, types a name, a phone and a child's name, ticks the consent
box and presses the button; reads the code from the development SMS sink's file; types it and
confirms; then opens the card's link (the landing page a computer gets). Finally it opens the link
as an iPhone (user agent override) and saves what Chromium downloads. Screenshots of every page
go to DIR. Prints one JSON object with what it saw; exits non-zero on any failure.
"""
import argparse
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

IPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")


class WebSocket:
    """The client side of RFC 6455: masked text frames out, text frames in."""

    def __init__(self, url, timeout=30):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise RuntimeError("the DevTools socket closed during the handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"DevTools refused the WebSocket: {head[:200]!r}")

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise RuntimeError("the DevTools socket closed")
            data += chunk
        return data

    def send(self, text):
        payload = text.encode()
        header = bytes([0x81])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def receive(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            if opcode == 0x8:
                raise RuntimeError("DevTools closed the WebSocket")
            if opcode == 0x9:  # ping: answer with a pong
                self.sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
                continue
            message += payload
            if b0 & 0x80:
                return message.decode()


class Browser:
    def __init__(self, chromium, profile, timeout):
        args = [chromium, "--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--remote-debugging-port=0",
                f"--user-data-dir={profile}", "--window-size=390,844", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(os.path.join(profile, "chromium.log"), "w"))
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + timeout
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if self.process.poll() is not None or time.time() > deadline:
                raise RuntimeError("Chromium did not start; see " + os.path.join(profile, "chromium.log"))
            time.sleep(0.1)
        port = int(open(port_file).read().split("\n")[0])
        pages = []
        while not pages:
            pages = [t for t in json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list")) if t["type"] == "page"]
            if time.time() > deadline:
                raise RuntimeError("Chromium shows no page")
            time.sleep(0.1)
        self.ws = WebSocket(pages[0]["webSocketDebuggerUrl"])
        self.next_id = 0
        self.timeout = timeout

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, what):
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            try:
                if self.evaluate(expression):
                    return
            except RuntimeError:
                pass  # the page is being replaced
            time.sleep(0.1)
        raise RuntimeError(f"timed out waiting for {what}; the page says: {self.text()[:500]}")

    def text(self):
        try:
            return self.evaluate("document.body ? document.body.innerText : ''") or ""
        except RuntimeError:
            return ""

    def navigate(self, url):
        self.evaluate("window.__marker = 1")
        self.call("Page.navigate", url=url)
        self.wait_for("window.__marker === undefined && document.readyState === 'complete'", url)

    def type_into(self, selector, text):
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", text=text)

    def click_and_wait(self, selector):
        self.evaluate("window.__marker = 1")
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
        self.wait_for("window.__marker === undefined && document.readyState === 'complete'", f"the page after {selector}")

    def screenshot(self, path, full_height=None):
        if full_height:
            self.call("Emulation.setDeviceMetricsOverride", width=390, height=full_height, deviceScaleFactor=2, mobile=True)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        if full_height:
            self.call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2, mobile=True)
        return path

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


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
