"""The studio in a real browser: write, see a mistake at its line, fix it, pace, render, play, seek, save, reload."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time

import pytest
from browser import browser, needs_browser

pytestmark = needs_browser

MAT = """\
title: Studio Mat
pacing: {inhale: 2s, exhale: 2s, transition: 1s}
exercises:
  - {name: Lift, reps: 3}
  - {name: Reach, hold: 3 breaths}
  - {name: Roll, reps: 2}
"""


@pytest.fixture
def studio(tmp_path):
    """Run `pilates-audio studio` on a folder of one routine and open it in Chromium; yield (tools, folder)."""
    folder = tmp_path / "routines"
    folder.mkdir()
    (folder / "mat.yaml").write_text(MAT, encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "pilates_audio", "studio", str(folder), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                               env={**os.environ, "CI": "true"}, cwd=tmp_path)  # sessions go into tmp_path/output
    try:
        address = process.stdout.readline().split(" at ")[1].strip()
        with browser(tmp_path / "profile", 1280, 900) as tools:
            tools.call("Page.navigate", url=address)
            tools.until("document.querySelector('#total').textContent.length > 0")
            tools.click("#view-yaml")  # these tests write YAML (the outline has tests of its own)
            yield tools, folder
            assert tools.errors() == []
    finally:
        process.terminate()
        process.wait(timeout=10)


def total(tools) -> str:
    return tools.js("document.querySelector('#total').textContent")


def put_cursor_after(tools, text: str) -> None:
    tools.js(f"""(() => {{
        const editor = document.querySelector('#text');
        const at = editor.value.indexOf({json.dumps(text)}) + {len(text)};
        editor.focus();
        editor.setSelectionRange(at, at);
    }})()""")


def test_a_mistake_is_shown_at_its_line_then_fixed_paced_rendered_played_and_saved(studio, tmp_path):
    tools, folder = studio
    assert tools.js("document.querySelector('#text').value") == MAT
    assert tools.js("document.querySelector('#routines').selectedOptions[0].textContent").startswith("Studio Mat · ")

    # A mistake, typed: the message comes at its line and column, and the line is marked.
    put_cursor_after(tools, "reps: 3")
    tools.type("x")
    tools.until("document.querySelectorAll('#problems li').length === 1")
    assert tools.js("document.querySelector('#problems li').textContent") == (
        "4:24: reps must be a whole number, at least 1")
    assert tools.js("document.querySelector('#gutter .bad').textContent") == "4"
    assert tools.js("document.querySelector('#save').disabled") is False  # unsaved changes are flagged
    tools.key("Backspace", 8)
    tools.until("document.querySelectorAll('#problems li').length === 0")

    # The inhale control moves the total.
    before = total(tools)
    tools.click("#pacing input[name=inhale]")
    tools.type("4")
    tools.until(f"document.querySelector('#total').textContent !== {json.dumps(before)}")
    assert tools.js("document.querySelector('#from-inhale').textContent") == "4 · from studio"

    # Render (the text is unchanged from the file, so nothing needs saving) and play.
    tools.click("#render")
    tools.until("document.querySelector('#render-status').textContent.startsWith('Rendered')", timeout=120)
    assert json.loads((folder.parent / "output" / "mat.json").read_text())["pacing"]["inhale"] == 4.0
    assert tools.js("document.querySelector('#player').play().then(() => 'playing', e => String(e))", wait=True) \
        == "playing"
    tools.until("document.querySelector('#player').currentTime > 1.0")

    # A chapter click seeks, and the chapter is shown as the one playing.
    chapters = json.loads((folder.parent / "output" / "mat.json").read_text())["chapters"]
    roll = next(c for c in chapters if c["title"] == "Roll")
    index = chapters.index(roll)
    tools.click(f"#chapters li:nth-child({index + 1}) button")
    tools.until(f"Math.abs(document.querySelector('#player').currentTime - {roll['start']}) < 1.5")
    tools.until(f"document.querySelector('#player').currentTime > {roll['start']} + 0.3")
    tools.until("(document.querySelector('#chapters .now') || {}).textContent?.endsWith('Roll')")

    # Save an edit, and what a reload shows is what is on disk.
    put_cursor_after(tools, "title: Studio Mat")
    tools.type(" Two")
    tools.until("document.querySelector('#save').disabled === false")
    tools.click("#save")
    tools.until("document.querySelector('#save').disabled === true")
    assert (folder / "mat.yaml").read_text() == MAT.replace("Studio Mat", "Studio Mat Two")
    tools.call("Page.reload")
    time.sleep(0.5)
    tools.until("document.querySelector('#text').value.includes('Studio Mat Two')")
    assert tools.js("document.querySelector('#text').value") == (folder / "mat.yaml").read_text()

    # The rendered session in the sessions page the studio serves, in its player, whose service worker covers it.
    tools.js("location.href = '/sessions/#mat'")
    tools.until("document.body.dataset.offlineReady === 'true' && !document.getElementById('player').hidden")
    tools.until("document.getElementById('now').textContent === 'Now: Introduction · Next: Lift'")
    assert tools.js("navigator.serviceWorker.ready.then(r => new URL(r.scope).pathname)", wait=True) == "/sessions/"
    tools.click("#play")
    tools.until("document.getElementById('audio').currentTime > 0.5")


def save_after_a_change_on_disk(tools, folder) -> None:
    """Change the file behind the editor's back, type in the editor, and press Save."""
    (folder / "mat.yaml").write_text(MAT.replace("Lift", "Lift from elsewhere"), encoding="utf-8")
    put_cursor_after(tools, "title: Studio Mat")
    tools.type("!")
    tools.click("#save")
    tools.until("document.querySelector('#status').textContent.includes('changed on disk')")


def test_a_save_over_a_file_changed_on_disk_is_refused_and_the_text_kept(studio):
    tools, folder = studio
    save_after_a_change_on_disk(tools, folder)
    assert tools.js("document.querySelector('#status').textContent") == (
        "mat.yaml changed on disk since it was opened; your text is kept: save again to replace the file with it, "
        "or reload the file from disk")
    assert tools.js("document.querySelector('#text').value") == MAT.replace("Studio Mat", "Studio Mat!")
    assert (folder / "mat.yaml").read_text() == MAT.replace("Lift", "Lift from elsewhere")
    # Saving again replaces the file with the text kept here, once the person says so.
    tools.js("window.confirm = (message) => { window.asked = message; return true; }")
    assert tools.js("document.querySelector('#save').textContent") == "Save over it"
    tools.click("#save")
    tools.until("document.querySelector('#save').disabled === true")
    assert tools.js("window.asked") == "mat.yaml changed on disk since you opened it. Replace it with your text?"
    assert (folder / "mat.yaml").read_text() == MAT.replace("Studio Mat", "Studio Mat!")
    # The refused save is the only thing the console has to say.
    assert [error for error in tools.errors() if "409 (Conflict)" not in error] == []
    tools.events.clear()


def test_the_studio_fits_a_phone_screen(studio, tmp_path):
    tools, _ = studio
    tools.call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2, mobile=True)
    tools.call("Page.reload")
    time.sleep(0.5)
    tools.until("document.querySelector('#total').textContent.length > 0")
    assert tools.js("document.documentElement.scrollWidth <= window.innerWidth")
    shot = base64.b64decode(tools.call("Page.captureScreenshot", format="png")["data"])
    assert shot.startswith(b"\x89PNG")
    (tmp_path / "studio-phone.png").write_bytes(shot)  # kept in pytest's temporary folder, to look at


def test_keys_that_fit_where_the_caret_is_are_offered_and_explained(studio):
    tools, _ = studio
    put_cursor_after(tools, "{name: Roll, reps: 2}")
    tools.type("\n    ho")
    tools.until("document.querySelectorAll('#keys button').length > 0")
    offered = tools.js("[...document.querySelectorAll('#keys button')].map(b => b.textContent)")
    assert offered == ["hold", "hold_each"]  # an exercise's keys, from the schema
    tools.click("#keys button")
    tools.until("document.querySelector('#text').value.includes('\\n    hold: ')")
    tools.type("2 breaths")
    tools.until("document.querySelector('#hint').textContent.startsWith('hold: ')")
    # A key under a one-line mapping is not YAML: said at once.
    tools.until("document.querySelectorAll('#problems li').length === 1")
    # In the pacing block, its own keys.
    put_cursor_after(tools, "transition: 1s")
    tools.type(", co")
    tools.until("document.querySelectorAll('#keys button').length > 0")
    assert tools.js("[...document.querySelectorAll('#keys button')].map(b => b.textContent)") == [
        "count_reps", "countdown"]


def test_pacing_set_in_the_panel_can_be_written_into_the_routine(studio):
    tools, folder = studio
    tools.click("#pacing input[name=inhale]")
    tools.type("3")
    tools.until("document.querySelector('#from-inhale').textContent === '3 · from studio'")
    tools.click("#write-pacing")
    tools.until("document.querySelector('#text').value.includes('inhale: 3s')")
    assert tools.js("document.querySelector('#text').value") == MAT.replace("inhale: 2s", "inhale: 3s")
    tools.until("document.querySelector('#from-inhale').textContent === '3 · from routine'")
    assert tools.js("document.querySelector('#pacing input[name=inhale]').value") == ""
    tools.click("#save")
    tools.until("document.querySelector('#save').disabled === true")
    assert (folder / "mat.yaml").read_text() == MAT.replace("inhale: 2s", "inhale: 3s")


def test_after_a_pacing_change_the_player_picks_up_at_the_same_exercise_and_offset(studio):
    tools, folder = studio
    tools.click("#render")
    tools.until("document.querySelector('#render-status').textContent.startsWith('Rendered')", timeout=120)
    first = json.loads((folder.parent / "output" / "mat.json").read_text())["chapters"]
    reach = next(c for c in first if c["title"] == "Reach")
    tools.js(f"document.querySelector('#player').currentTime = {reach['start'] + 1.5}")
    assert tools.js("document.querySelector('#player').play().then(() => 'playing', e => String(e))", wait=True) \
        == "playing"
    tools.until(f"document.querySelector('#player').currentTime > {reach['start'] + 1.6}")
    tools.js("document.querySelector('#player').pause()")
    offset = tools.js("document.querySelector('#player').currentTime") - reach["start"]

    before = tools.js("document.querySelector('#player').src")
    tools.click("#pacing input[name=inhale]")
    tools.type("4")  # and nothing else: the change is rendered by itself
    tools.until("document.querySelector('#from-inhale').textContent === '4 · from studio'")
    tools.until(f"document.querySelector('#render-status').textContent.startsWith('Rendered') && "
                f"document.querySelector('#player').src !== {json.dumps(before)} && "
                f"document.querySelector('#player').readyState >= 1", timeout=120)
    second = json.loads((folder.parent / "output" / "mat.json").read_text())["chapters"]
    moved = next(c for c in second if c["title"] == "Reach")
    assert moved["start"] != reach["start"]  # the slower breath moved it
    tools.until(f"Math.abs(document.querySelector('#player').currentTime - {moved['start'] + offset}) < 0.3")


def test_a_refused_save_can_take_the_file_from_disk_instead(studio):
    tools, folder = studio
    save_after_a_change_on_disk(tools, folder)
    tools.until("document.querySelector('#reload').hidden === false")
    tools.js("window.confirm = () => true")
    tools.click("#reload")
    tools.until("document.querySelector('#text').value.includes('Lift from elsewhere')")
    assert tools.js("document.querySelector('#text').value") == (folder / "mat.yaml").read_text()
    assert tools.js("document.querySelector('#save').disabled") is True
    tools.events.clear()  # the refused save's 409 is the console's only line, and expected


def test_unsaved_text_is_not_left_for_a_new_routine_without_asking(studio):
    tools, folder = studio
    put_cursor_after(tools, "title: Studio Mat")
    tools.type(" (draft)")
    tools.until("document.querySelector('#save').disabled === false")
    tools.js("window.confirm = (message) => { window.asked = message; return false; }")
    tools.js("window.prompt = () => { window.prompted = true; return 'Other'; }")
    tools.click("#new")
    tools.until("window.asked")
    assert tools.js("window.asked") == "mat.yaml has unsaved changes. Leave them?"
    assert tools.js("window.prompted || false") is False  # nothing was made, nothing left
    assert tools.js("document.querySelector('#text').value") == MAT.replace("Studio Mat", "Studio Mat (draft)")
    assert not (folder / "other.yaml").exists()
