"""Headless Chromium driven over the DevTools protocol: just enough to use a page as a person would."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((found for name in BROWSERS if (found := shutil.which(name))), None)
needs_browser = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium on this machine: install Debian's chromium package to run the browser test")


class DevTools:
    """One page of the browser: calls, script, waiting, real mouse and keys, and what the console said."""

    def __init__(self, url: str):
        import websocket

        self.socket = websocket.create_connection(url, timeout=60)
        self.counter = 0
        self.events: list[dict] = []  # everything the page reported, in order

    def call(self, method: str, **params: object) -> dict:
        self.counter += 1
        self.socket.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.counter:
                assert "error" not in message, message
                return message["result"]
            if "method" in message:
                self.events.append(message)

    def js(self, expression: str, wait: bool = False) -> object:
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=wait, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def until(self, expression: str, timeout: float = 15.0) -> object:
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.js(f"(() => {{ try {{ return ({expression}); }} catch (e) {{ return false; }} }})()")
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")

    def click(self, selector: str) -> None:
        """Click the middle of an element with the mouse, as a finger or a mouse does."""
        box = self.js(f"""(() => {{
            const element = document.querySelector({json.dumps(selector)});
            element.scrollIntoView({{block: "center"}});
            const r = element.getBoundingClientRect();
            return [r.x + r.width / 2, r.y + r.height / 2];
        }})()""")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def type(self, text: str) -> None:
        """Type text into whatever has the focus."""
        self.call("Input.insertText", text=text)

    def key(self, name: str, code: int) -> None:
        """Press and release one key (Backspace 8, Enter 13, Tab 9)."""
        for kind in ("rawKeyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=name, code=name, windowsVirtualKeyCode=code,
                      **({"text": "\r"} if name == "Enter" and kind == "rawKeyDown" else {}))

    def phone(self, width: int, height: int = 740) -> None:
        """Show pages as a phone of this width (in CSS pixels) does: touch, a mobile viewport, a dense screen."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=2, mobile=True)
        self.call("Emulation.setTouchEmulationEnabled", enabled=True)

    def screenshot(self) -> bytes:
        """Return what the page shows, as a PNG."""
        import base64

        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def network(self, online: bool) -> None:
        """Switch the page's network on or off, as flight mode does."""
        self.call("Network.emulateNetworkConditions", offline=not online, latency=0, downloadThroughput=-1,
                  uploadThroughput=-1)

    def responses(self, suffix: str, since: int = 0) -> list[dict]:
        """Return the responses the page received for addresses ending in `suffix`, as the network panel shows them.

        `since` is a count of events: only responses reported after the first `since` events count.
        """
        return [event["params"]["response"] for event in self.events[since:]
                if event["method"] == "Network.responseReceived"
                and event["params"]["response"]["url"].split("#")[0].split("?")[0].endswith(suffix)]

    def errors(self) -> list[str]:
        """Return what the page logged as errors or threw."""
        found = []
        for event in self.events:
            if event["method"] == "Runtime.exceptionThrown":
                found.append(json.dumps(event["params"]["exceptionDetails"])[:500])
            elif event["method"] == "Runtime.consoleAPICalled" and event["params"]["type"] == "error":
                found.append(json.dumps(event["params"]["args"])[:500])
            elif event["method"] == "Log.entryAdded" and event["params"]["entry"]["level"] == "error":
                entry = event["params"]["entry"]
                found.append(entry["text"] + (f" ({entry['url']})" if entry.get("url") else ""))
        return found


@contextlib.contextmanager
def browser(profile: Path, width: int = 420, height: int = 900) -> Iterator[DevTools]:
    """Start headless Chromium with a fresh profile; yield its one page, watching the console."""
    process = subprocess.Popen(
        [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--remote-debugging-port=0", f"--window-size={width},{height}",
         "--autoplay-policy=no-user-gesture-required", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.time() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            assert time.time() < deadline, "Chromium did not start"
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        tools = DevTools(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
        tools.call("Runtime.enable")
        tools.call("Log.enable")
        yield tools
    finally:
        process.terminate()
        process.wait(timeout=10)
