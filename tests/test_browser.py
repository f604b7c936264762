"""The served page in a real browser: headless Chromium plays a session and a chapter click seeks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
import pytest
from conftest import run_cli

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((found for name in BROWSERS if (found := shutil.which(name))), None)
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium on this machine: install Debian's chromium package to run the browser test")

ROUTINE = """
title: Browser Session
cover: art.png
pacing: {inhale: 2s, exhale: 2s, transition: 1s}
exercises:
  - {name: Lift, reps: 3}
  - {name: Reach, hold: 3 breaths}
  - {name: Roll, reps: 2}
"""


class DevTools:
    """Just enough of the Chrome DevTools Protocol to drive one page."""

    def __init__(self, url: str):
        import websocket

        self.socket = websocket.create_connection(url, timeout=30)
        self.counter = 0

    def call(self, method: str, **params: object) -> dict:
        self.counter += 1
        self.socket.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.counter:
                assert "error" not in message, message
                return message["result"]

    def js(self, expression: str, wait: bool = False) -> object:
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=wait, returnByValue=True)
        return result["result"].get("value")

    def until(self, expression: str, timeout: float = 15.0) -> object:
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser")
    from test_export import tiny_png

    (base / "browser.yaml").write_text(ROUTINE, encoding="utf-8")
    (base / "art.png").write_bytes(tiny_png())
    out = base / "out"
    assert run_cli("render", base / "browser.yaml", "-o", out, "-q").code == 0
    server = subprocess.Popen([sys.executable, "-m", "pilates_audio", "serve", str(out), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, stdin=subprocess.DEVNULL)
    address = server.stdout.readline().split(" at ")[1].strip()
    profile = base / "profile"
    browser = subprocess.Popen(
        [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--remote-debugging-port=0", "--window-size=420,900",
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
        tools.call("Page.navigate", url=address)
        tools.until("document.readyState === 'complete' && document.querySelectorAll('.chapter').length > 0")
        yield tools, out
    finally:
        browser.terminate()
        server.terminate()
        browser.wait(timeout=10)
        server.wait(timeout=10)


def test_the_player_plays(page):
    tools, _ = page
    assert tools.js("document.querySelector('audio').play().then(() => 'playing', e => String(e))", wait=True) \
        == "playing"
    tools.until("document.querySelector('audio').currentTime > 1.0")


def test_a_chapter_click_seeks_to_the_chapter(page):
    tools, out = page
    chapters = json.loads((out / "browser.chapters.json").read_text())["chapters"]
    target = next(c for c in chapters if c["title"] == "Roll")
    index = chapters.index(target)
    box = tools.js(f"""(() => {{
        const button = document.querySelectorAll('.chapter')[{index}];
        button.scrollIntoView();
        const r = button.getBoundingClientRect();
        return [r.x + r.width / 2, r.y + r.height / 2, button.textContent];
    }})()""")
    assert box[2].endswith("Roll")
    for kind in ("mousePressed", "mouseReleased"):  # a real click, as a finger or mouse makes it
        tools.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)
    start = target["startTime"]
    tools.until(f"Math.abs(document.querySelector('audio').currentTime - {start}) < 1.5")
    assert tools.js("document.querySelector('audio').paused") is False
    tools.until(f"document.querySelector('audio').currentTime > {start} + 0.3")  # and it plays on from there


def test_the_page_fits_a_phone_screen(page, tmp_path):
    import base64

    tools, _ = page
    assert tools.js("document.documentElement.scrollWidth <= window.innerWidth")
    tools.until("document.querySelector('img.cover').complete")
    assert tools.js("document.querySelector('img.cover').naturalWidth") == 2  # the session's cover, loaded
    assert tools.js("document.querySelector('audio').getBoundingClientRect().width") > 200
    # Kept in pytest's temporary folder, to look at when the page changes.
    shot = base64.b64decode(tools.call("Page.captureScreenshot", format="png")["data"])
    assert shot.startswith(b"\x89PNG")
    (tmp_path / "page.png").write_bytes(shot)
