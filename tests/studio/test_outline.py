"""The outline: a routine as cards read from its text, library exercises put in, and its edits over the API."""

from __future__ import annotations

import yaml
from studiofiles import MAT
from test_studio_api import call, studio  # noqa: F401 (the fixture)

from pilates_audio.compose import load_library
from pilates_audio.studio.outline import apply_all, low_end, outline

SECTIONS = """\
title: Circuit
sections:
  - name: Warm-up
    exercises:
      - include: blocks/warm-up.yaml
      # lying down
      - name: Hundred with the head down
        hold: 5 breaths
  - name: Main
    rounds: 2
    exercises: [{name: Swan, reps: 4}, {name: Made up, hold: 20s}]
"""


def test_a_routine_with_sections_is_groups_of_cards_with_their_places_lines_and_library_ways():
    shown = outline(SECTIONS, load_library())
    assert shown["kind"] == "routine" and shown["sections"] is True and shown["keys"] == {"title": "Circuit"}
    warm, main = shown["groups"]
    assert warm["at"] == ["sections", 0] and warm["list"] == ["sections", 0, "exercises"] and warm["line"] == 3
    assert warm["keys"] == {"name": "Warm-up"} and main["keys"] == {"name": "Main", "rounds": 2}
    include, hundred = warm["cards"]
    assert include == {"at": ["sections", 0, "exercises", 0], "line": 5, "data": {"include": "blocks/warm-up.yaml"}}
    assert hundred["line"] == 7 and hundred["data"] == {"name": "Hundred with the head down", "hold": "5 breaths"}
    assert hundred["library"] == {"id": "hundred", "variant": "easier", "level": "beginner", "easier": None,
                                  "harder": "standard"}
    swan, made_up = main["cards"]
    assert swan["at"] == ["sections", 1, "exercises", 0] and swan["library"]["id"] == "swan"
    assert made_up["library"] is None


def test_a_flat_routine_and_a_block_file_are_one_group_each():
    flat = outline(MAT, None)
    assert [group["list"] for group in flat["groups"]] == [["exercises"]] and flat["groups"][0]["at"] is None
    block = outline("- {name: Reach, hold: 1 breath}\n", None)
    assert block["kind"] == "block" and block["groups"][0]["cards"][0]["at"] == [0]


def test_what_cards_cannot_show_is_a_problem_at_its_line():
    assert outline("title: T\nexercises: [unclosed\n", None) == {
        "problem": {"line": 2, "message": "invalid YAML: this '[' list is never closed with ']'"}}
    assert outline("title: T\nexercises: [1, 2]\n", None) == {"problem": {
        "line": 2, "message": "exercises must be a list of exercises (name: …) and includes (include: …)"}}
    assert outline("title: T\nsections: {a: 1}\n", None) == {
        "problem": {"line": 2, "message": "sections must be a list of sections"}}


def test_a_dose_range_from_the_library_is_put_in_at_its_low_end():
    assert low_end("reps", "6-10") == 6 and low_end("reps", 8) == 8
    assert low_end("hold", "3-6 breaths") == "3 breaths" and low_end("hold", "30-90s") == "30s"
    assert low_end("work", "1m-2m") == "60s" and low_end("rest", "0-2 breaths") is None
    assert low_end("rest", "1 breath") == "1 breath" and low_end("setup", "a-b") == "a-b"


def test_adding_swapping_and_making_an_exercise_easier_from_the_library():
    library = load_library()
    start = "title: T\nexercises:\n  # keep me\n  - {name: Roll, reps: 2}\n"
    text = apply_all(start, [{"op": "add", "at": ["exercises"], "id": "swan"},
                             {"op": "add", "at": ["exercises"], "index": 0, "id": "hundred", "variant": "easier"}],
                     library)
    data = yaml.safe_load(text)["exercises"]
    assert [e["name"] for e in data] == ["Hundred with the head down", "Roll", "Swan"]
    assert data[2]["reps"] == 4 and data[0]["hold"] == "5 breaths"  # the low ends of 4-8 and 5-10 breaths
    assert "  # keep me\n  - {name: Roll, reps: 2}\n" in text
    harder = apply_all(text, [{"op": "way", "at": ["exercises", 0], "id": "hundred", "from": "easier",
                               "variant": "standard"}], library)
    assert yaml.safe_load(harder)["exercises"][0]["name"] == "Hundred"
    assert yaml.safe_load(harder)["exercises"][0]["setup"].startswith("Lie on your back and bring your legs up")
    swapped = apply_all(text, [{"op": "swap", "at": ["exercises"], "index": 1, "id": "cat-cow"}], library)
    assert "  # keep me\n  - name: Cat-cow\n" in swapped


def test_the_api_edits_text_and_answers_with_both_views(studio):  # noqa: F811
    port, running, _ = studio
    status, answer, _ = call(port, "POST", "/api/edit", {"text": MAT, "edits": [
        {"op": "set", "at": ["exercises", 0], "key": "reps", "value": 5},
        {"op": "move", "at": ["exercises"], "index": 1, "to_index": 0}]}, token=running.token)
    assert status == 200
    assert answer["text"] == MAT.replace("reps: 2", "reps: 5").replace(
        "  - {name: Lift, reps: 5}\n  - include: blocks/end.yaml\n", "  - include: blocks/end.yaml\n"
                                                                   "  - {name: Lift, reps: 5}\n")
    assert [card["data"] for card in answer["outline"]["groups"][0]["cards"]] == [
        {"include": "blocks/end.yaml"}, {"name": "Lift", "reps": 5}]
    status, answer, _ = call(port, "POST", "/api/edit", {"text": MAT, "edits": [
        {"op": "set", "at": ["exercises", 0], "key": "tempo", "value": 5}]}, token=running.token)
    assert status == 400 and answer["error"].startswith("'tempo' is not a key here; the keys are: name, kind,")
    status, answer, _ = call(port, "POST", "/api/check", {"name": "mat.yaml", "text": MAT}, token=running.token)
    assert answer["outline"]["groups"][0]["cards"][0]["data"] == {"name": "Lift", "reps": 2}


def test_the_api_lists_the_library_with_its_ways_and_the_tags_to_filter_by(studio):  # noqa: F811
    port, running, _ = studio
    status, answer, _ = call(port, "GET", "/api/library", token=running.token)
    assert status == 200 and len(answer["moves"]) == len(load_library().moves)
    assert answer["tags"]["level"] == ["beginner", "intermediate", "advanced"]
    assert "side-lying" in answer["tags"]["position"] and "neck-strain" in answer["tags"]["cautions"]
    hundred = next(move for move in answer["moves"] if move["id"] == "hundred")
    assert [way["variant"] for way in hundred["ways"]] == ["easier", "standard", "harder"]
    assert hundred["ways"][0] == {"variant": "easier", "name": "Hundred with the head down", "level": "beginner",
                                  "cautions": ["lying-on-the-back"], "props": []}


def test_a_composed_class_is_shown_as_cards_and_takes_the_outlines_edits_keeping_its_header():
    from pilates_audio.compose.composer import Choices, compose

    library = load_library()
    text = compose(Choices(length=1200.0, seed=7)).text
    shown = outline(text, library)
    cards = [card for group in shown["groups"] for card in group["cards"]]
    assert cards and all(card["library"] is not None for card in cards)  # each is the library's, by its name
    first = shown["groups"][0]
    edited = apply_all(text, [{"op": "set", "at": first["cards"][0]["at"], "key": "rest", "value": "9s"},
                              {"op": "move", "at": first["list"], "index": 0, "to_index": len(first["cards"]) - 1}],
                       library)
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert [line for line in edited.splitlines() if line.startswith("#")] == header
    moved = yaml.safe_load(edited)
    for step in first["list"]:
        moved = moved[step]
    assert moved[-1]["rest"] == "9s"
