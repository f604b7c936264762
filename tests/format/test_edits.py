"""Edits made in the outline land in the YAML text at their place: the rest of the file, comments too, is kept."""

from __future__ import annotations

import pytest
import yaml

from pilates_audio.format import check_data
from pilates_audio.format.edits import EditError, apply

FLAT = """\
# yaml-language-server: $schema=../pilates_audio/routine.schema.json
title: Mat   # said first
exercises:
  - {name: Lift, reps: 3}
  # slow, and keep the neck long
  - name: Reach
    setup: >-
      Lie on your back
      and reach.
    hold: 3 breaths

  - name: Roll
    reps: 2  # two is plenty
outro: Well done.
"""

SECTIONS = """\
title: Circuit
sections:
  - name: Warm-up
    exercises:
      - include: blocks/warm-up.yaml
      - name: Shoulder rolls   # both ways
        reps: 6

  - name: Main
    rounds: 2
    exercises: [{name: Swan, reps: 4}, {name: Plank, hold: 20s}]
"""


def test_setting_a_hold_changes_that_value_only():
    text = apply(FLAT, {"op": "set", "at": ["exercises", 1], "key": "hold", "value": "5 breaths"})
    assert text == FLAT.replace("hold: 3 breaths", "hold: 5 breaths")


def test_a_key_added_to_a_flow_exercise_stays_on_its_line_in_the_order_of_the_format():
    text = apply(FLAT, {"op": "set", "at": ["exercises", 0], "key": "setup", "value": "Stand tall."})
    assert text == FLAT.replace("{name: Lift, reps: 3}", "{name: Lift, setup: Stand tall., reps: 3}")
    text = apply(FLAT, {"op": "set", "at": ["exercises", 0], "key": "rest", "value": "10s"})
    assert text == FLAT.replace("{name: Lift, reps: 3}", "{name: Lift, reps: 3, rest: 10s}")


def test_a_key_added_to_a_block_exercise_goes_after_the_keys_before_it_in_the_format():
    text = apply(FLAT, {"op": "set", "at": ["exercises", 2], "key": "sides", "value": "both"})
    assert text == FLAT.replace("reps: 2  # two is plenty\n", "reps: 2  # two is plenty\n    sides: both\n")
    text = apply(FLAT, {"op": "set", "at": ["exercises", 1], "key": "kind", "value": "stretch"})
    assert text == FLAT.replace("  - name: Reach\n", "  - name: Reach\n    kind: stretch\n")


def test_removing_keys_in_flow_and_block_and_on_the_dash_line():
    assert apply(FLAT, {"op": "set", "at": ["exercises", 0], "key": "reps", "value": None}) == \
        FLAT.replace("{name: Lift, reps: 3}", "{name: Lift}")
    assert apply(FLAT, {"op": "set", "at": ["exercises", 1], "key": "setup", "value": ""}) == \
        FLAT.replace("    setup: >-\n      Lie on your back\n      and reach.\n", "")
    assert apply(FLAT, {"op": "set", "at": ["exercises", 2], "key": "name", "value": None}) == \
        FLAT.replace("  - name: Roll\n    reps: 2", "  - reps: 2")


def test_a_folded_text_is_written_folded_again():
    long = ("Lie on your back with the knees bent and the feet flat on the floor, hip-width apart, and the arms "
            "long beside you.")
    text = apply(FLAT, {"op": "set", "at": ["exercises", 1], "key": "setup", "value": long})
    assert "    setup: >-\n      Lie on your back with the knees bent and the feet flat on the floor, hip-width\n" \
           "      apart, and the arms long beside you.\n    hold: 3 breaths\n" in text
    assert yaml.safe_load(text)["exercises"][1]["setup"] == long


def test_cues_with_their_breath_are_written_as_a_block_under_the_key_with_on_unquoted(tmp_path):
    cues = ["Long neck.", {"say": "Reach up.", "on": "inhale"}, {"say": "Lower.", "on": "exhale", "every": 2},
            {"say": "Last one.", "at": 2}]
    text = apply(FLAT, {"op": "set", "at": ["exercises", 2], "key": "cues", "value": cues})
    assert "  - name: Roll\n    cues:\n      - Long neck.\n      - say: Reach up.\n        on: inhale\n" \
           "      - say: Lower.\n        on: exhale\n        every: 2\n      - say: Last one.\n        at: 2\n" \
           "    reps: 2  # two is plenty\n" in text
    routine, problems = check_data(text.encode(), tmp_path / "mat.yaml", "mat.yaml")
    assert problems == [] and routine.exercises[2].name == "Roll"


def test_a_multi_language_text_is_a_mapping_per_language():
    value = {"en": "Lie down.", "de": "Legen Sie sich hin."}
    text = apply(FLAT, {"op": "set", "at": ["exercises", 0], "key": "setup", "value": value})
    assert "{name: Lift, setup: {en: Lie down., de: Legen Sie sich hin.}, reps: 3}" in text
    text = apply(text, {"op": "set", "at": ["exercises", 0], "key": "setup", "value": {"en": "Down.", "de": "Hin."}})
    assert "{name: Lift, setup: {en: Down., de: Hin.}, reps: 3}" in text


def test_text_that_yaml_would_misread_is_quoted():
    text = apply(FLAT, {"op": "set", "at": ["exercises", 2], "key": "name", "value": "yes: no"})
    assert "  - name: 'yes: no'\n" in text
    text = apply(FLAT, {"op": "set", "at": [], "key": "title", "value": "100"})
    assert text.startswith("# yaml-language-server: $schema=../pilates_audio/routine.schema.json\ntitle: '100'   #")


def test_moving_an_exercise_takes_the_comment_above_it_and_leaves_the_others():
    text = apply(FLAT, {"op": "move", "at": ["exercises"], "index": 1, "to_index": 0})
    assert text.startswith(FLAT.split("exercises:\n")[0] + "exercises:\n  # slow, and keep the neck long\n"
                           "  - name: Reach\n")
    assert [e["name"] for e in yaml.safe_load(text)["exercises"]] == ["Reach", "Lift", "Roll"]
    assert text.count("# slow, and keep the neck long") == 1 and "# two is plenty" in text and "# said first" in text


def test_deleting_and_duplicating_an_exercise_take_its_comment_along():
    text = apply(FLAT, {"op": "delete", "at": ["exercises"], "index": 1})
    assert "slow, and keep" not in text and "Reach" not in text
    assert [e["name"] for e in yaml.safe_load(text)["exercises"]] == ["Lift", "Roll"]
    text = apply(FLAT, {"op": "duplicate", "at": ["exercises"], "index": 1})
    assert text.count("# slow, and keep the neck long\n  - name: Reach\n") == 2
    assert text.endswith("  - name: Roll\n    reps: 2  # two is plenty\nouto: Well done.\n".replace("outo", "outro"))


def test_inserting_a_library_exercise_writes_it_as_a_block_at_the_lists_indentation():
    swan = {"name": "Swan", "setup": "Lie on your front.", "cues": [{"say": "Lift.", "on": "inhale"}, "Long neck."],
            "reps": 4, "sides": ["left", "right"]}
    text = apply(FLAT, {"op": "insert", "at": ["exercises"], "index": 3, "value": swan})
    assert text.endswith("    reps: 2  # two is plenty\n  - name: Swan\n    setup: Lie on your front.\n    cues:\n"
                         "      - say: Lift.\n        on: inhale\n      - Long neck.\n    reps: 4\n"
                         "    sides: [left, right]\noutro: Well done.\n")
    text = apply(FLAT, {"op": "insert", "at": ["exercises"], "index": 0, "value": {"name": "Breathe", "hold": "1m"}})
    assert "exercises:\n  - name: Breathe\n    hold: 1m\n  - {name: Lift, reps: 3}\n" in text


def test_sections_a_flow_list_an_include_and_moving_between_sections():
    text = apply(SECTIONS, {"op": "move", "at": ["sections", 0, "exercises"], "index": 1,
                            "to": ["sections", 1, "exercises"], "to_index": 0})
    data = yaml.safe_load(text)
    assert data["sections"][0]["exercises"] == [{"include": "blocks/warm-up.yaml"}]
    assert [e["name"] for e in data["sections"][1]["exercises"]] == ["Shoulder rolls", "Swan", "Plank"]
    text = apply(SECTIONS, {"op": "move", "at": ["sections", 1, "exercises"], "index": 1, "to_index": 0})
    assert "    exercises: [{name: Plank, hold: 20s}, {name: Swan, reps: 4}]\n" in text
    text = apply(SECTIONS, {"op": "move", "at": ["sections"], "index": 1, "to_index": 0})
    assert text.index("- name: Main") < text.index("- name: Warm-up")
    assert "      - name: Shoulder rolls   # both ways\n" in text
    text = apply(SECTIONS, {"op": "set", "at": ["sections", 1], "key": "rounds", "value": 3})
    assert text == SECTIONS.replace("rounds: 2", "rounds: 3")


def test_the_last_item_deleted_leaves_an_empty_list_and_an_empty_list_takes_a_block_item():
    one = "title: T\nexercises:\n  # the one\n  - {name: A, reps: 2}\noutro: Bye.\n"
    empty = apply(one, {"op": "delete", "at": ["exercises"], "index": 0})
    assert empty == "title: T\nexercises: []\noutro: Bye.\n"
    again = apply(empty, {"op": "insert", "at": ["exercises"], "value": {"name": "B", "reps": 3}})
    assert again == "title: T\nexercises:\n  - name: B\n    reps: 3\noutro: Bye.\n"


def test_a_block_file_is_a_list_at_the_top():
    block = "# warm-up\n- name: Rolls\n  reps: 6\n- name: March\n  hold: 30s\n"
    text = apply(block, {"op": "set", "at": [1], "key": "hold", "value": "45s"})
    assert text == block.replace("30s", "45s")
    assert apply(block, {"op": "move", "at": [], "index": 1, "to_index": 0}) == \
        "# warm-up\n- name: March\n  hold: 30s\n- name: Rolls\n  reps: 6\n"


def test_replacing_an_exercise_keeps_the_comment_above_it():
    text = apply(FLAT, {"op": "replace", "at": ["exercises"], "index": 1, "value": {"name": "Swan", "reps": 4}})
    assert "  # slow, and keep the neck long\n  - name: Swan\n    reps: 4\n\n  - name: Roll\n" in text


@pytest.mark.parametrize("edit, message", [
    ({"op": "set", "at": ["exercises", 0], "key": "tempo", "value": 3},
     "'tempo' is not a key here; the keys are: name, kind, setup, cues, reps, breaths_per_rep, hold_each, work, hold, "
     "pulses, sides, reverse, switch, rest, pacing"),
    ({"op": "set", "at": ["exercises", 7], "key": "reps", "value": 3},
     "nothing at exercises/7 in the routine; it changed meanwhile?"),
    ({"op": "delete", "at": ["exercises"], "index": 3}, "there is no item 4 in exercises"),
    ({"op": "move", "at": ["exercises"], "index": 0, "to_index": 5}, "there is no place 6 in exercises"),
    ({"op": "shuffle", "at": []}, "unknown edit 'shuffle'; the edits are set, insert, delete, move, duplicate, replace"),
    ({"op": "set", "at": ["exercises"], "key": "name", "value": "x"}, "'name' is not a key here; the keys are: "),
])
def test_edits_that_do_not_fit_are_refused_with_a_reason(edit, message):
    with pytest.raises(EditError) as caught:
        apply(FLAT, edit)
    assert caught.value.message.startswith(message)


def test_broken_yaml_is_fixed_in_the_yaml_view_first():
    with pytest.raises(EditError) as caught:
        apply("title: [unclosed\n", {"op": "set", "at": [], "key": "title", "value": "x"})
    assert caught.value.message == ("the routine must be valid YAML before it is edited in the outline; fix it in the "
                                    "YAML view")


def test_every_edit_keeps_the_lines_it_does_not_touch():
    """Whatever is moved, the comments and lines of the other exercises are there, unchanged, once each."""
    for edit in ({"op": "move", "at": ["exercises"], "index": 0, "to_index": 2},
                 {"op": "delete", "at": ["exercises"], "index": 0},
                 {"op": "set", "at": ["exercises", 0], "key": "reps", "value": 5},
                 {"op": "duplicate", "at": ["exercises"], "index": 2}):
        text = apply(FLAT, edit)
        for line in ("# yaml-language-server: $schema=../pilates_audio/routine.schema.json", "title: Mat   # said first",
                     "  # slow, and keep the neck long", "      Lie on your back", "    reps: 2  # two is plenty",
                     "outro: Well done."):
            assert line + "\n" in text, (edit, line)


ROUTINES = sorted(__import__("pathlib").Path(__file__).parents[2].joinpath("routines").rglob("*.yaml"))


@pytest.mark.parametrize("path", ROUTINES, ids=lambda p: p.name)
def test_the_shipped_routines_take_every_kind_of_edit_and_keep_their_comments(path):
    """Each exercise's rest set, each list's first item moved to its end and back: every comment line is kept."""
    original = path.read_text(encoding="utf-8")
    data = yaml.safe_load(original)
    lists = [["sections", i, "exercises"] for i in range(len(data["sections"]))] if isinstance(data, dict) and \
        "sections" in data else [["exercises"] if isinstance(data, dict) else []]
    text = original
    for at in lists:
        items = yaml.safe_load(text)
        for step in at:
            items = items[step]
        for index, item in enumerate(items):
            if "name" in item:
                text = apply(text, {"op": "set", "at": [*at, index], "key": "rest", "value": "7s"})
        if len(items) > 1:
            moved = apply(text, {"op": "move", "at": at, "index": 0, "to_index": len(items) - 1})
            assert apply(moved, {"op": "move", "at": at, "index": len(items) - 1, "to_index": 0}) == text
    comments = [line.strip() for line in original.splitlines() if line.strip().startswith("#")]
    assert [line.strip() for line in text.splitlines() if line.strip().startswith("#")] == comments


def test_a_new_section_is_written_like_the_others_with_the_blank_line_between_them():
    text = apply(SECTIONS, {"op": "insert", "at": ["sections"], "value": {
        "name": "Cool-down", "exercises": [{"name": "Child's pose", "hold": "5 breaths"}]}})
    assert text == SECTIONS + ("\n  - name: Cool-down\n    exercises:\n      - name: Child's pose\n"
                               "        hold: 5 breaths\n")
    assert apply(text, {"op": "delete", "at": ["sections"], "index": 2}) == SECTIONS


def test_a_text_per_language_written_as_a_block_becomes_one_text_and_back():
    block = "title: T\nexercises:\n  - name: Bridge\n    setup:\n      en: Lie down.\n      de: Hinlegen.\n    reps: 4\n"
    one = apply(block, {"op": "set", "at": ["exercises", 0], "key": "setup", "value": "Lie on your back."})
    assert one == "title: T\nexercises:\n  - name: Bridge\n    setup: Lie on your back.\n    reps: 4\n"
    both = apply(block, {"op": "set", "at": ["exercises", 0], "key": "setup", "value": {"en": "Down.", "de": "Hin."}})
    assert both == block.replace("Lie down.", "Down.").replace("Hinlegen.", "Hin.")
