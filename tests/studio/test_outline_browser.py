"""The outline in a real browser, as a teacher uses it: a routine built from the library without typing YAML,
cards reordered, a hold changed, saved with a comment kept; one exercise previewed; a phone's tabs, render and
player; and an accessibility check of the page."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import urllib.parse

import pytest
import yaml
from accessibility import problems
from browser import browser, needs_browser

from pilates_audio.format import check_data

pytestmark = needs_browser

CLASS = """\
title: Morning class
pacing: {inhale: 2s, exhale: 2s, transition: 1s}
exercises:
  # breathe first, then roll down slowly
  - name: Roll down
    hold: 2 breaths
"""


@contextlib.contextmanager
def studio_page(tmp_path, folder, width: int = 1280, height: int = 900, ready: tuple[str, ...] = ()):
    """Run the studio on `folder` and open it in Chromium at that size, waiting for the library and `ready`."""
    process = subprocess.Popen([sys.executable, "-m", "pilates_audio", "studio", str(folder), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                               env={**os.environ, "CI": "true"}, cwd=tmp_path)
    try:
        address = process.stdout.readline().split(" at ")[1].strip()
        with browser(tmp_path / "profile", width, height) as tools:
            if width < 800:
                tools.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=2,
                           mobile=True)
            tools.call("Page.navigate", url=address)
            for condition in (*ready, "document.querySelectorAll('#lib-list .move').length > 10"):
                tools.until(condition)
            yield tools
            assert tools.errors() == []
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def studio(tmp_path, request):
    """Run the studio on a folder of one routine and open it in Chromium at the size asked; yield (tools, folder)."""
    width, height = getattr(request, "param", (1280, 900))
    folder = tmp_path / "routines"
    folder.mkdir()
    (folder / "class.yaml").write_text(CLASS, encoding="utf-8")
    with studio_page(tmp_path, folder, width, height, ("document.querySelectorAll('#outline li.card').length === 1",)
                     ) as tools:
        yield tools, folder


def names(tools) -> list[str]:
    return tools.js("[...document.querySelectorAll('#outline li.card h3')].map(h => h.textContent)")


def add_from_library(tools, search: str, name: str) -> None:
    count = len(names(tools))
    tools.click("#lib-search")
    tools.js("document.querySelector('#lib-search').select()")
    tools.type(search)
    tools.until(f"!!document.querySelector('#lib-list button[aria-label={json.dumps('Add ' + name)}]')")
    tools.click(f"#lib-list button[aria-label={json.dumps('Add ' + name)}]")
    tools.until(f"document.querySelectorAll('#outline li.card').length === {count + 1}")


def test_a_routine_built_from_the_library_reordered_and_changed_is_saved_as_valid_yaml(studio):
    tools, folder = studio
    add_from_library(tools, "swan", "Swan")
    tools.click("#lib-level")
    tools.js("const s = document.querySelector('#lib-level'); s.value = 'beginner'; "
             "s.dispatchEvent(new Event('change'))")  # a select's list is drawn by the system, not the page
    add_from_library(tools, "hundred", "Hundred with the head down")
    add_from_library(tools, "cat", "Cat-cow")
    assert names(tools) == ["Roll down", "Swan", "Hundred with the head down", "Cat-cow"]
    assert "Take care: weight on wrists, weight on knees" in tools.js("document.querySelector('#lib-list').textContent")

    # Reorder: the keyboard (Alt+Up on a card), then a drag of one card onto another.
    tools.js("document.querySelector('#card-exercises-3').focus()")
    tools.call("Input.dispatchKeyEvent", type="rawKeyDown", key="ArrowUp", code="ArrowUp", windowsVirtualKeyCode=38,
               modifiers=1)
    tools.call("Input.dispatchKeyEvent", type="keyUp", key="ArrowUp", code="ArrowUp", windowsVirtualKeyCode=38, modifiers=1)
    tools.until("document.querySelector('#card-exercises-2 h3').textContent === 'Cat-cow'")
    assert tools.js("document.activeElement.id") == "card-exercises-2"  # the moved card keeps the focus
    tools.js("""(() => {
        const data = new DataTransfer();
        const from = document.querySelector('#card-exercises-1'), to = document.querySelector('#card-exercises-3');
        from.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: data}));
        to.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: data}));
        to.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: data}));
    })()""")
    tools.until("document.querySelector('#card-exercises-3 h3').textContent === 'Swan'")
    assert names(tools) == ["Roll down", "Cat-cow", "Hundred with the head down", "Swan"]

    # Change a hold: open the card, type the new number, leave the box.
    tools.click("#card-exercises-0 button.edit")
    tools.until("!!document.querySelector('#f-exercises-0-hold')")
    tools.click("#f-exercises-0-hold")
    tools.js("document.querySelector('#f-exercises-0-hold').select()")
    tools.type("4")
    tools.key("Tab", 9)
    tools.until("document.querySelector('#text').value.includes('hold: 4 breaths')")
    assert tools.js("document.querySelector('#card-exercises-0 .dose').textContent") == "hold 4 breaths"

    # The choices are the format's; a cue said on the exhale; the library's harder way of the Hundred.
    tools.click("#card-exercises-3 button.edit")
    tools.until("!!document.querySelector('#f-exercises-3-kind')")
    options = "[...document.querySelector(%s).options].map(o => o.textContent)"
    assert tools.js(options % "'#f-exercises-3-kind'") == ["from its name", "stretch", "rest", "effort"]
    assert tools.js(options % "'#f-exercises-3-sides'") == ["none", "both", "left then right", "right then left",
                                                            "alternate"]
    assert tools.js(options % "'#f-exercises-3-cue2-when'") == ["spread over the work", "on each inhale",
                                                                "on each exhale", "as a rep begins"]
    tools.js("const w = document.querySelector('#f-exercises-3-cue2-when'); w.value = 'on:exhale'; "
             "w.dispatchEvent(new Event('change'))")
    tools.until("document.querySelector('#text').value.includes('- say: Pubic bone heavy, so the lower back stays "
                "long.\\n        on: exhale\\n')")
    tools.click("#card-exercises-2 button[aria-label='Harder: Hundred with the head down']")
    tools.until("document.querySelector('#card-exercises-2 h3').textContent === 'Hundred'")
    tools.click("#undo")
    tools.until("document.querySelector('#card-exercises-2 h3').textContent === 'Hundred with the head down'")
    tools.click("#undo")
    tools.until("document.querySelector('#text').value.includes('      - Pubic bone heavy, so the lower back stays long.')")

    # Swap offers the exercises of the same role, position and focus.
    tools.click("#card-exercises-1 button[aria-label='Swap Cat-cow']")
    tools.until("document.querySelector('#library-target').textContent === 'Swap Cat-cow for one of these:'")
    assert tools.js("[...document.querySelectorAll('#lib-list .move strong')].map(s => s.textContent)") == [
        "Thread the needle"]
    tools.click("#lib-list button[aria-label='Use Thread the needle']")
    tools.until("document.querySelector('#card-exercises-1 h3').textContent === 'Thread the needle'")
    tools.click("#undo")
    tools.until("document.querySelector('#card-exercises-1 h3').textContent === 'Cat-cow'")

    # A duplicate and a delete, and Undo takes the delete back.
    tools.click("#card-exercises-1 button[aria-label='Delete Cat-cow']")
    tools.until("document.querySelectorAll('#outline li.card').length === 3")
    tools.click("#undo")
    tools.until("document.querySelectorAll('#outline li.card').length === 4")
    assert names(tools) == ["Roll down", "Cat-cow", "Hundred with the head down", "Swan"]

    tools.click("#save")
    tools.until("document.querySelector('#save').disabled === true")
    saved = (folder / "class.yaml").read_text(encoding="utf-8")
    assert saved == tools.js("document.querySelector('#text').value")
    assert "exercises:\n  # breathe first, then roll down slowly\n  - name: Roll down\n    hold: 4 breaths\n" in saved
    data = yaml.safe_load(saved)
    assert [exercise["name"] for exercise in data["exercises"]] == names(tools)
    assert data["exercises"][3]["reps"] == 4  # Swan's 4-8 reps, at the low end
    routine, found = check_data(saved.encode(), folder / "class.yaml")
    assert found == [] and len(routine.exercises) == 4


def test_one_exercise_is_previewed_alone_and_plays(studio):
    tools, folder = studio
    tools.click("#card-exercises-0 button.preview")
    tools.until("document.querySelector('#render-status').textContent.startsWith('Preview of Roll down')", timeout=60)
    tools.until("document.querySelector('#preview-player').currentTime > 0.5", timeout=20)
    assert not (folder.parent / "output").exists()  # nothing written where sessions or routines are
    assert sorted(p.name for p in folder.iterdir()) == ["class.yaml"]


def test_yaml_the_outline_cannot_show_is_linked_to_its_line(studio):
    tools, _ = studio
    tools.click("#view-yaml")
    tools.js("const t = document.querySelector('#text'); t.focus(); t.setSelectionRange(t.value.length, t.value.length)")
    tools.type("  - {name: Swan, reps: [\n")
    tools.click("#view-outline")
    tools.until("(document.querySelector('#outline .cannot') || {}).textContent?.startsWith('The outline cannot')")
    assert tools.js("document.querySelector('#outline .cannot').textContent") == (
        "The outline cannot show this routine: invalid YAML: expected the node content, but found '<stream end>', "
        "at line 8. "
        "Fix it in the YAML view.")
    tools.click("#outline .cannot button")
    tools.until("document.querySelector('#yaml-view').hidden === false")
    assert tools.js("document.activeElement.id") == "text"
    assert tools.js("(t => t.value.slice(0, t.selectionStart).split('\\n').length)(document.querySelector('#text'))") == 8


@pytest.mark.parametrize("studio", [(360, 740)], indirect=True)
def test_on_a_phone_the_tabs_render_and_player_are_in_reach_and_the_page_passes_the_check(studio):
    tools, folder = studio
    in_view = """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
                  return r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth; }"""
    for tab in ("outline", "timeline", "listen"):
        tools.click(f"#tab-{tab}")
        tools.until(f"document.body.dataset.tab === '{tab}'")
        tools.js("window.scrollTo(0, 0)")
        for selector in (f"#tab-{tab}", "#render", "#player"):
            assert tools.js(f"({in_view})({json.dumps(selector)})"), (tab, selector)
        assert tools.js("document.documentElement.scrollWidth <= window.innerWidth"), tab
        assert problems(tools) == [], tab
    assert tools.js("getComputedStyle(document.querySelector('#routine-panel')).display") == "none"  # on Listen
    # The outline with a card open, and the YAML view, wrapped to the screen.
    tools.click("#tab-outline")
    tools.click("#card-exercises-0 button.edit")
    tools.until("!!document.querySelector('#f-exercises-0-hold')")
    assert problems(tools) == []
    tools.click("#view-yaml")
    tools.js("document.querySelector('#text').value += '# ' + 'a long comment '.repeat(20)")
    assert tools.js("(t => t.scrollWidth <= t.clientWidth)(document.querySelector('#text'))")
    tools.click("#view-outline")

    tools.click("#tab-listen")
    tools.click("#render")
    tools.until("document.querySelector('#render-status').textContent.startsWith('Rendered')", timeout=120)
    assert tools.js("document.querySelector('#player').play().then(() => 'playing', e => String(e))", wait=True) \
        == "playing"
    tools.until("document.querySelector('#player').currentTime > 0.5")
    assert (folder.parent / "output" / "class.mp3").is_file()


def test_the_accessibility_check_finds_each_kind_of_failure(tmp_path):
    """The check used above, on a page that breaks each rule once: it names every one."""
    page = ("<html><meta name='viewport' content='width=device-width'><body style='background:#fff'><button id='x' style='width:20px;height:20px'></button>"
            "<img src='data:,'  style='width:10px;height:10px'><p id='x' style='color:#aaa'>faint</p>"
            "<label>Named <input id='ok' style='min-height:44px;width:100px'></label></body></html>")
    with browser(tmp_path / "profile", 360, 740) as tools:
        tools.call("Emulation.setDeviceMetricsOverride", width=360, height=740, deviceScaleFactor=1, mobile=True)
        tools.call("Page.navigate", url="data:text/html," + urllib.parse.quote(page))
        tools.until("document.querySelector('#ok') !== null")
        found = problems(tools)
    assert found == ['no accessible name: button#x ""', 'image without alt: img ""', "duplicate id: x",
                     'contrast 2.32 < 4.5: p#x "faint"', 'target 20x20 < 44x44: button#x ""']
