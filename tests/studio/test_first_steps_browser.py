"""A teacher's first steps in the studio, in a real browser: a folder with no routine yet, a routine started from
the starter and its tags changed in the outline, and a session that belongs to the routine it was rendered from."""

from __future__ import annotations

import pytest
from browser import needs_browser
from test_outline_browser import add_from_library, names, studio_page
from test_outline_browser import studio as page  # noqa: F401 (the browser fixture)

pytestmark = needs_browser

NOTHING_YET = "No routine is open: start one with New… or Compose a class, or choose one under Routine."


@pytest.fixture
def empty(tmp_path):
    """Run the studio on an empty folder and open it in Chromium; yield (tools, folder)."""
    folder = tmp_path / "routines"
    folder.mkdir()
    with studio_page(tmp_path, folder) as tools:
        yield tools, folder


def test_an_empty_folder_says_how_to_start_and_the_starters_tags_are_changed_in_the_outline(empty):
    tools, folder = empty
    tools.until("!!document.querySelector('#outline .note')")
    assert tools.js("document.querySelector('#outline').textContent") == NOTHING_YET
    tools.click("#render")
    assert tools.js("document.querySelector('#render-status').textContent") == NOTHING_YET

    tools.js("window.prompt = () => 'Morning Mat'")  # the title asked for by New…
    tools.click("#new")
    tools.until("!!document.querySelector('#f-routine-instructor')")
    assert tools.js("document.querySelector('#render-status').textContent") == ""
    assert tools.js("document.querySelector('#f-routine-instructor').value") == "Your name"
    assert tools.js("document.querySelector('#f-routine-collection').value") == "My sessions"
    tools.click("#f-routine-instructor")
    tools.js("document.activeElement.select()")
    tools.type("Ana")
    tools.key("Tab", 9)
    tools.until("document.querySelector('#text').value.includes('instructor: Ana')")
    assert "\ninstructor: Ana  # the MP3's artist\n" in tools.js("document.querySelector('#text').value")

    # The library says which section Add puts an exercise into.
    tools.js("[...document.querySelectorAll('#outline .adds button')]"
             ".filter(b => b.textContent === 'Add from the library')[1].click()")  # the second section's
    assert tools.js("document.querySelector('#library-target').textContent") == (
        "Add puts the exercise at the end of Main set.")


def test_a_session_rendered_from_one_routine_is_not_left_playing_for_another(page):  # noqa: F811
    tools, _ = page
    tools.click("#render")
    tools.until("document.querySelector('#render-status').textContent.startsWith('Rendered')", timeout=120)
    tools.until("document.querySelectorAll('#chapters li').length > 0")
    tools.until("document.querySelector('#player').currentTime > 0.3")  # Render plays what it made
    tools.click("#compose-go")
    tools.until("document.querySelector('#compose-status').textContent.startsWith('Composed')", timeout=30)
    assert tools.js("""[document.querySelector('#player').getAttribute('src'),
                        document.querySelectorAll('#chapters li').length,
                        document.querySelector('#transcript').textContent,
                        document.querySelector('#download').hidden,
                        document.querySelector('#render-status').textContent]""") == [None, 0, "", True, ""]


def test_more_settings_are_named_in_a_class_words_with_the_pacing_file_name_under_each(page):  # noqa: F811
    tools, _ = page
    tools.until("document.querySelector('#from-count_reps').textContent !== ''")
    label = "(key => document.querySelector(`label[for=set-${key}]`).textContent)"
    assert tools.js(f"['min_phase', 'duck_attack', 'count_reps', 'breath_cues_every'].map({label})") == [
        "Shortest breath a target length may use (seconds)", "Music dips this early (seconds)",
        "Count the reps aloud", "Name every Nth breath"]
    help_of = "document.querySelector('#set-min_phase').parentNode.querySelector('.help').textContent"
    assert tools.js(help_of) == "Shortest inhale or exhale that --length may choose. In a pacing file: min_phase."
    assert tools.js("[...document.querySelector('#set-count_reps').options].map(o => o.textContent)") == [
        "as set", "yes", "no"]
    assert tools.js("document.querySelector('#from-count_reps').textContent") == "yes · from default"


def test_after_a_change_the_key_that_moved_on_stays_where_it_went(page):  # noqa: F811
    tools, _ = page
    tools.click("#card-exercises-0 button.edit")
    tools.until("!!document.querySelector('#f-exercises-0-hold')")
    tools.click("#f-exercises-0-hold")
    tools.js("document.activeElement.select()")
    tools.type("3")
    tools.key("Tab", 9)  # on to the upper end of the hold, as the outline is drawn again
    tools.until("document.querySelector('#text').value.includes('hold: 3 breaths')")
    assert tools.js("document.activeElement.id") == "f-exercises-0-hold-to"
    tools.key("Tab", 9)
    assert tools.js("document.activeElement.id") == "f-exercises-0-hold-unit"


def test_a_preview_that_has_ended_leaves_the_bar_at_the_bottom(page):  # noqa: F811
    tools, _ = page
    tools.click("#card-exercises-0 button.preview")
    tools.until("document.querySelector('#preview-player').duration > 1", timeout=60)
    assert tools.js("document.querySelector('#preview').hidden") is False
    tools.js("(p => { p.currentTime = p.duration - 0.2; return p.play(); })(document.querySelector('#preview-player'))",
             wait=True)
    tools.until("document.querySelector('#preview').hidden === true")


def test_a_cards_dose_says_every_part_of_the_work_in_the_fields_words(page):  # noqa: F811
    tools, _ = page
    said = tools.js("""[Studio.sayDose({reps: 5, hold_each: "3s", rest: "1 breath"}),
                        Studio.sayDose({work: "10 breaths", pulses: 5}),
                        Studio.sayDose({reps: 5, breaths_per_rep: 2, reverse: true, sides: "both"})]""")
    assert said == ["5 reps · hold 3s at the top of each · rest 1 breath", "keep going for 10 breaths · 5 pulses a breath",
                    "5 reps · 2 breaths each · then reversed · both sides"]


def test_add_from_the_library_puts_the_exercise_at_the_end_after_cards_were_deleted(page):  # noqa: F811
    tools, _ = page
    tools.js("[...document.querySelectorAll('#outline .adds button')]"
             ".filter(b => b.textContent === 'Add from the library')[0].click()")
    tools.click("#card-exercises-0 button[aria-label='Delete Roll down']")
    tools.until("document.querySelectorAll('#outline li.card').length === 0")
    add_from_library(tools, "swan", "Swan")
    assert names(tools) == ["Swan"]
    assert tools.js("document.querySelector('#status').textContent") == "Added Swan"


def test_the_outlines_help_says_no_yaml(page):  # noqa: F811
    tools, _ = page
    tools.click("#card-exercises-0 button.edit")
    tools.until("!!document.querySelector('#f-exercises-0-setup')")
    helps = tools.js("[...document.querySelectorAll('#outline .help')].map(h => h.textContent)")
    assert [h for h in helps if "{" in h or "`" in h] == []
    assert tools.js("document.querySelector('#f-routine-intro-help').textContent") == "Spoken after the title."
    assert tools.js("document.querySelector('#card-exercises-0 .cues .help, #card-exercises-0 fieldset .help')"
                    ".textContent") == ("Lines spoken during the work, one after another: each spread over the work, "
                                        "or said on each inhale or exhale, or as a given rep begins.")
