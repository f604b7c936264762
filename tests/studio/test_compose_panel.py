"""Composing a class in the studio: the API, and the panel that puts the class into the editor unsaved."""

from __future__ import annotations

from test_outline_browser import studio as page  # noqa: F401 (the browser fixture)
from test_studio_api import call, studio  # noqa: F401 (the fixture)

from pilates_audio.format import check_data


def test_the_api_composes_a_class_under_a_free_name_and_another_with_a_new_seed(studio):  # noqa: F811
    port, running, folder = studio
    asked = {"length": "20m", "level": "beginner", "focus": ["core"], "avoid": ["neck"], "props": []}
    status, first, _ = call(port, "POST", "/api/compose", asked, token=running.token)
    assert status == 200 and first["name"].endswith("-20m-beginner-core.yaml") and first["warnings"] == []
    assert abs(first["seconds"] - 1200) < 30
    routine, problems = check_data(first["text"].encode(), folder / first["name"])
    assert problems == [] and routine.title == "Beginner class: core, 20 minutes"
    assert not (folder / first["name"]).exists()  # nothing is written until it is saved
    (folder / first["name"]).write_text(first["text"], encoding="utf-8")
    status, again, _ = call(port, "POST", "/api/compose", {**asked, "seed": first["seed"] + 1}, token=running.token)
    assert status == 200 and again["seed"] == first["seed"] + 1 and again["text"] != first["text"]
    assert again["name"] == first["name"].replace(".yaml", "-2.yaml")  # the first is taken now
    status, answer, _ = call(port, "POST", "/api/compose", {"level": "expert"}, token=running.token)
    assert (status, answer) == (400, {"error": "'expert' is not a level; the levels are: beginner, intermediate, "
                                               "advanced"})
    status, answer, _ = call(port, "POST", "/api/compose", {"focus": ["toes"]}, token=running.token)
    assert status == 400 and answer["error"].startswith("'toes' is not a focus tag; the focus tags are: core, ")


def test_the_panel_puts_a_class_into_the_editor_with_its_timeline_and_saves_it(page):  # noqa: F811
    tools, folder = page
    tools.click("#compose-focus-upper-back")
    tools.click("#compose-go")
    tools.until("document.querySelector('#compose-status').textContent.startsWith('Composed')", timeout=30)
    name = tools.js("document.querySelector('#routines').value")
    assert name.endswith("-25m-beginner-upper-back.yaml")
    assert tools.js("document.querySelector('#routines').selectedOptions[0].textContent") == name + " (not saved yet)"
    first = tools.js("document.querySelector('#text').value")
    assert first.startswith("# Composed by pilates-audio")
    tools.until("document.querySelectorAll('#outline li.card').length > 5")
    tools.until("document.querySelector('#total').textContent.startsWith('2')")  # 25 minutes, or near it
    assert tools.js("document.querySelector('#save').disabled") is False
    tools.click("#compose-again")
    tools.until(f"document.querySelector('#text').value !== {__import__('json').dumps(first)}", timeout=30)
    tools.click("#save")
    tools.until("document.querySelector('#save').disabled === true")
    saved = (folder / name).read_text(encoding="utf-8")
    assert saved == tools.js("document.querySelector('#text').value") and saved != first
    assert check_data(saved.encode(), folder / name)[1] == []
