"""`pilates-audio exercises`: the library listed one exercise a line, filtered, as JSON, and one exercise in full."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_here

from pilates_audio.compose import library

FIXTURE = Path(__file__).parent / "exercises"  # four exercises, written for these tests
ROWS = {
    "cat": "Cat stretch\tbeginner\tfour-point\tspine-mobility\tweight-on-wrists, weight-on-knees\n",
    "chest": "Chest lift\tbeginner\tsupine\tcore\tlying-on-the-back, loaded-spinal-flexion, neck-strain\n",
    "plank": "Plank\tintermediate\tfour-point\tcore, shoulders\tweight-on-wrists\n",
    "knees": "Plank on the knees\tbeginner\tfour-point\tcore, shoulders\tweight-on-wrists, weight-on-knees\n",
    "kick": "Side kick\tintermediate\tside-lying\thips-and-glutes, legs\t-\n",
}


def listing(*args: str) -> tuple[int, str, str]:
    result = run_here(FIXTURE, "exercises", "--library", ".", *args)
    return result.code, result.stdout, result.stderr


def test_the_listing_is_one_exercise_a_line_tab_separated():
    assert listing() == (0, ROWS["cat"] + ROWS["chest"] + ROWS["plank"] + ROWS["kick"], "")


@pytest.mark.parametrize("args, rows", [
    # At most a level: the line shows the way that fits, so the plank is listed on the knees.
    (("--level", "beginner"), ("cat", "chest", "knees")),
    (("--level", "intermediate"), ("cat", "chest", "plank", "kick")),
    # Any of the areas, any of the positions.
    (("--focus", "core"), ("chest", "plank")),
    (("--focus", "core", "--focus", "legs"), ("chest", "plank", "kick")),
    (("--position", "four-point", "--position", "side-lying"), ("cat", "plank", "kick")),
    # Every way of the plank and the cat puts weight on the wrists; a condition stands for its cautions.
    (("--avoid", "weight-on-wrists"), ("chest", "kick")),
    (("--avoid", "wrists"), ("chest", "kick")),
    (("--avoid", "osteoporosis"), ("cat", "plank", "kick")),
    # The plank on the knees is the way free of nothing here, but only the knees' caution rules the easier way out.
    (("--avoid", "knees", "--level", "beginner"), ("chest",)),
    (("--avoid", "neck", "--avoid", "knees"), ("plank", "kick")),
    (("--level", "beginner", "--focus", "shoulders", "--position", "four-point"), ("knees",)),
])
def test_filters_list_what_fits(args, rows):
    assert listing(*args) == (0, "".join(ROWS[row] for row in rows), "")


def test_nothing_fitting_is_said_on_stderr_and_stdout_stays_empty():
    assert listing("--position", "standing") == (0, "", "no exercise of the 4 in the library fits\n")


def test_json_has_every_field_of_the_data_as_words():
    code, out, err = listing("--focus", "shoulders", "--json")
    assert (code, err) == (0, "")
    (plank,) = json.loads(out)
    assert plank == {
        "id": "plank", "name": "Plank", "also": ["Front support"], "level": "intermediate", "position": "four-point",
        "focus": ["core", "shoulders"], "role": ["main"], "props": [], "cautions": ["weight-on-wrists"],
        "shape": "neutral", "counters": [], "setup": "Come onto your hands and toes, hands under the shoulders.",
        "cues": ["Long line from the head to the heels."], "hold": "20s-40s",
        "easier": {"level": "beginner", "cautions": ["weight-on-wrists", "weight-on-knees"], "props": [],
                   "name": "Plank on the knees", "hold": "15s-30s"},
        "harder": {"level": "advanced", "cautions": ["weight-on-wrists"], "props": [],
                   "name": "Plank with a leg lift"}}
    code, out, _ = listing("--json")
    assert [move["id"] for move in json.loads(out)] == ["cat-stretch", "chest-lift", "plank", "side-kick"]


def test_the_shipped_library_as_json_reads_back_to_every_exercise():
    result = run_here(Path.cwd(), "exercises", "--json")
    assert result.code == 0
    assert [move["id"] for move in json.loads(result.stdout)] == [move.id for move in library.load_library().moves]


def test_one_exercise_is_shown_in_full_by_any_of_its_names():
    code, out, err = listing("chest", "lift")
    assert (code, err) == (0, "")
    assert out == """\
Chest lift (chest-lift)
level: beginner
position: supine
focus: core
role: warm-up, main
props: none
cautions: lying-on-the-back, loaded-spinal-flexion, neck-strain
shape: flexion
counters: extension
cues:
  - on each exhale: Curl the head and shoulders up.
  - on each inhale: Lower with control.
  - Keep the chin off the chest.
dose: reps 6-10
harder: Chest lift with a twist (intermediate)
  cautions: lying-on-the-back, loaded-spinal-flexion, neck-strain, rotation
  dose: reverse
"""
    assert listing("Front support")[1] == listing("plank")[1] == listing("PLANK ON THE KNEES")[1]
    assert listing("plank")[1].splitlines()[:2] == ["Plank (plank)", "also: Front support"]
    assert "easier: Plank on the knees (beginner)\n  cautions: weight-on-wrists, weight-on-knees\n  dose: hold 15s-30s\n" \
        in listing("plank")[1]
    assert json.loads(listing("plank", "--json")[1])["id"] == "plank"


def test_an_unknown_name_suggests_close_ones():
    assert listing("Plonk") == (2, "", "error: no exercise in the library is called 'Plonk'; did you mean 'Plank'?\n")
    assert listing("Teaser") == (2, "", "error: no exercise in the library is called 'Teaser'; `pilates-audio "
                                        "exercises` lists them all\n")


def test_bad_filters_name_what_is_allowed():
    assert listing("--level", "expert") == (2, "", (
        "error: Invalid value for '--level': unknown level 'expert'; choose from: beginner, intermediate, advanced "
        "(see `pilates-audio exercises --help`)\n"))
    assert listing("--position", "lying") == (2, "", (
        "error: Invalid value for '--position': unknown position 'lying'; choose from: standing, supine, "
        "side-lying, prone, kneeling, four-point, seated (see `pilates-audio exercises --help`)\n"))
    code, out, err = listing("--avoid", "backs")
    assert (code, out) == (2, "")
    assert err == (
        "error: cannot avoid 'backs': it is neither a caution nor a condition; the cautions are loaded-spinal-flexion, "
        "spinal-extension, rotation, lying-on-the-back, lying-on-the-front, weight-on-wrists, weight-on-knees, "
        "inversion, neck-strain, balance; the conditions are osteoporosis, pregnancy, wrists, knees, neck, low-back\n")
    assert listing("plank", "--level", "beginner") == (2, "", (
        "error: give an exercise's NAME, or filters to list the library, not both (see `pilates-audio exercises "
        "--help`)\n"))


def test_a_library_with_a_bad_file_lists_every_problem(tmp_path):
    (tmp_path / "plank.yaml").write_text((FIXTURE / "plank.yaml").read_text(encoding="utf-8").replace(
        "level: intermediate", "level: hard"), encoding="utf-8")
    result = run_here(tmp_path, "exercises", "--library", ".")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == ("plank.yaml:4:8: unknown level value 'hard'; choose from: beginner, intermediate, "
                             "advanced\n1 problem found; nothing was written.\n")


def test_listing_loads_no_stage_past_format_and_no_heavy_library():
    from test_startup import HEAVY, _loaded

    printed, modules = _loaded("exercises")
    assert printed.splitlines()[0].split("\t")[0] == library.load_library().moves[0].name
    assert not {name.partition(".")[0] for name in modules} & HEAVY
    for stage in ("render", "speech", "sound", "timing", "publish", "web", "studio", "batch"):
        assert f"pilates_audio.{stage}" not in modules, stage
