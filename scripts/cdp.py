"""A minimal Chrome DevTools Protocol client for the browser tests: it starts headless Chromium
with a throwaway profile and drives it over the DevTools WebSocket (RFC 6455, standard library only).
Imported by scripts/browser-test.py and scripts/placement-browser-test.py.
"""
import base64
import json
import os
import socket
import struct
import subprocess
import time
import urllib.parse
import urllib.request


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
    def __init__(self, chromium, profile, timeout, extra_args=()):
        args = [chromium, *extra_args, "--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
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

    def evaluate(self, expression, context=None):
        params = {"contextId": context} if context else {}
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, **params)
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


def add_common_arguments(parser):
    """--out, --chromium and --timeout, which every browser test takes."""
    import shutil
    parser.add_argument("--out", required=True)
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    parser.add_argument("--timeout", type=float, default=30)


def run_report(args, report, body, extra_args=()):
    """Starts Chromium with a throwaway profile, runs body(browser), then prints the report as one
    JSON object; on any failure the report says what failed and the process exits 1."""
    import shutil
    import sys
    import tempfile
    os.makedirs(args.out, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="passline-chromium-")
    browser = None
    try:
        browser = Browser(args.chromium, profile, args.timeout, extra_args=extra_args)
        body(browser)
        print(json.dumps(report, ensure_ascii=False))
    except Exception as error:  # noqa: BLE001 — the report says what failed
        report["error"] = str(error)
        print(json.dumps(report, ensure_ascii=False))
        sys.exit(1)
    finally:
        if browser:
            browser.close()
        shutil.rmtree(profile, ignore_errors=True)
