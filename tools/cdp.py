"""A small client for headless Chromium's DevTools protocol, enough for
tools/book_browser_check.py: start the browser with a fresh profile, open one
tab, send commands, wait for events. Needs Debian's chromium and
python3-websocket.
"""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time

import websocket


class BrowserError(Exception):
    pass


class Chromium:
    def __init__(self, binary="chromium", timeout=20):
        self.profile = tempfile.mkdtemp(prefix="book-browser-")
        self.log_path = os.path.join(self.profile, "chromium.log")
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
                 "--force-color-profile=srgb", f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
                 "about:blank"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.ws = websocket.create_connection(self._endpoint(timeout), timeout=timeout, suppress_origin=True)
        self.next_id = 0
        self.events = []
        self.session = None
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def _endpoint(self, timeout):
        # With --remote-debugging-port=0 the browser picks a port and writes it, and the
        # browser's WebSocket path, to DevToolsActivePort in the profile.
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BrowserError(f"chromium exited with status {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with open(port_file) as f:
                    port, path = f.read().split()[:2]
                return f"ws://127.0.0.1:{port}{path}"
            except (OSError, ValueError):
                time.sleep(0.05)
        raise BrowserError(f"chromium did not open its DevTools port within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def _receive(self, deadline):
        self.ws.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            return json.loads(self.ws.recv())
        except websocket.WebSocketTimeoutException:
            return None

    def call(self, method, timeout=30, **params):
        """Sends one command (to the tab, once there is one) and returns its result."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self._receive(deadline)
            if reply is None:
                break
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)
        raise BrowserError(f"{method}: no answer within {timeout} s")

    def wait_for(self, method, timeout=15):
        """The first event named method since the events were last cleared, waiting for it."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event["method"] == method:
                    return event
            if time.monotonic() >= deadline:
                raise BrowserError(f"no {method} within {timeout} s")
            reply = self._receive(deadline)
            if reply and "method" in reply:
                self.events.append(reply)

    def goto(self, url, timeout=20):
        self.events.clear()
        result = self.call("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError(f"cannot open {url}: {result['errorText']}")
        self.wait_for("Page.loadEventFired", timeout)

    def evaluate(self, expression, timeout=30):
        result = self.call("Runtime.evaluate", timeout=timeout, expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(details.get("exception", {}).get("description") or details.get("text"))
        return result["result"].get("value")

    def click(self, x, y):
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.call("Page.captureScreenshot", format="png", optimizeForSpeed=True)["data"]))

    def pdf(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.call("Page.printToPDF", timeout=60, printBackground=True)["data"]))

    def close(self):
        try:
            self.session = None
            self.call("Browser.close", timeout=5)
        except Exception:
            self.proc.terminate()
        try:
            self.ws.close()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for _ in range(20):  # the browser's helper processes may still be writing there for a moment
            shutil.rmtree(self.profile, ignore_errors=True)
            if not os.path.exists(self.profile):
                break
            time.sleep(0.1)
