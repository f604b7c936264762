"""The served page in a real browser: headless Chromium plays a session and a chapter click seeks.

The player itself is tested in depth in test_player.py.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from browser import browser, needs_browser
from conftest import run_cli

pytestmark = needs_browser

ROUTINE = """
title: Browser Session
cover: art.png
pacing: {inhale: 2s, exhale: 2s, transition: 1s}
exercises:
  - {name: Lift, reps: 3}
  - {name: Reach, hold: 3 breaths}
  - {name: Roll, reps: 2}
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser")
    from pictures import tiny_png

    (base / "browser.yaml").write_text(ROUTINE, encoding="utf-8")
    (base / "art.png").write_bytes(tiny_png())
    out = base / "out"
    assert run_cli("render", base / "browser.yaml", "-o", out, "-q").code == 0
    server = subprocess.Popen([sys.executable, "-m", "pilates_audio", "serve", str(out), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, stdin=subprocess.DEVNULL)
    address = server.stdout.readline().split(" at ")[1].strip()
    try:
        with browser(base / "profile") as tools:
            tools.call("Page.navigate", url=address + "#browser")  # the session, open in the player
            tools.until("document.readyState === 'complete' && document.querySelectorAll('#chapters button').length")
            yield tools, out
    finally:
        server.terminate()
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
        const button = document.querySelectorAll('#chapters button')[{index}];
        button.scrollIntoView();
        const r = button.getBoundingClientRect();
        return [r.x + r.width / 2, r.y + r.height / 2, button.textContent];
    }})()""")
    assert box[2].endswith("Roll")  # its time, then its title
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
    assert tools.js("document.getElementById('seek').getBoundingClientRect().width") > 200
    # Kept in pytest's temporary folder, to look at when the page changes.
    shot = base64.b64decode(tools.call("Page.captureScreenshot", format="png")["data"])
    assert shot.startswith(b"\x89PNG")
    (tmp_path / "page.png").write_bytes(shot)
