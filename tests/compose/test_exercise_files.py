"""The exercise library: every shipped file passes its checks and checks as a routine; bad files give pinned messages."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import EditorLoader, run_here

from pilates_audio import render
from pilates_audio.compose import library, schema
from pilates_audio.compose.model import CONDITIONS, Caution, Level, Prop, Variant
from pilates_audio.errors import InputError, ValidationError
from pilates_audio.format import Routine, routine

SHIPPED = sorted(library.FOLDER.glob("*.yaml"))
BAD = Path(__file__).parent / "bad"
BAD_CASES = sorted(BAD.glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_every_shipped_exercise_passes_the_library_checks(path):
    move, problems = library.check_move(path, path.name)
    assert [str(problem) for problem in problems] == []
    assert move is not None and move.id == path.stem


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_every_way_of_every_shipped_exercise_checks_as_a_routine(path, tmp_path):
    move = library.read_move(path)
    for way in move.ways():
        routine_file = tmp_path / f"{way.variant.value}.yaml"
        routine_file.write_text(yaml.safe_dump({"title": way.name, "exercises": [way.routine_keys]}, sort_keys=False,
                                               allow_unicode=True), encoding="utf-8")
        result = run_here(tmp_path, "check", routine_file.name)
        assert (result.code, result.stderr) == (0, ""), (way.variant, result.stderr)
        assert result.stdout.startswith(f"{routine_file.name}: ok (1 exercise, about ")


@pytest.fixture(scope="module")
def every_way(tmp_path_factory) -> Routine:
    """One routine doing every way of every shipped exercise, one after another, with its ranges as written."""
    ways = [dict(way.routine_keys) for move in library.load_library().moves for way in move.ways()]
    path = tmp_path_factory.mktemp("library") / "every-way.yaml"
    path.write_text(yaml.safe_dump({"title": "Every way", "exercises": ways}, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    return routine.load(path)


@pytest.mark.parametrize("fill", [0.0, 1.0], ids=["low-end", "top"])
@pytest.mark.parametrize("preset", ["standard", "gentle", "brisk"])
def test_every_way_of_every_shipped_exercise_plans_without_warnings(every_way, preset, fill):
    """Each cue finds its place in the work, at either end of every dose range: none is moved to the setup or runs over.

    Estimated with eSpeak NG's lengths, the longer of the two engines' estimates. At the brisk
    pace a rep of half a breath (a second and a half) has room for its count alone: those
    exercises are left out there.
    """
    planned = every_way
    if preset == "brisk":
        planned = replace(every_way, exercises=tuple(e for e in every_way.exercises if e.breaths_per_rep >= 1))
        assert len(every_way.exercises) - len(planned.exercises) <= 6  # scissors, single leg kick and stretch
    pacing, _ = render.effective_pacing(planned, {"preset": preset, "engine": "pyttsx3", "guidance": "standard"})
    plan, _ = render.estimated_script(planned.choose(fill), pacing)
    assert plan.warnings == ()
    assert len(plan.chapters) == len(planned.exercises) + 2  # the intro, every exercise, the outro


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_every_shipped_exercise_points_editors_at_the_exercise_schema(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../exercise.schema.json"
    assert (path.parent / "../exercise.schema.json").resolve() == schema.SHIPPED.resolve()
    assert schema.SHIPPED.is_file()


def test_the_shipped_library_loads_without_problems_and_no_two_exercises_share_a_name():
    found, problems = library.check_library()
    assert [str(problem) for problem in problems] == []
    assert len(found.moves) == len(SHIPPED)
    names = [name for move in found.moves for name in {name.casefold() for name in move.names()}]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("path", BAD_CASES, ids=lambda path: path.stem)
def test_a_bad_exercise_file_gives_the_pinned_messages(path, request):
    """Every problem at once, each at its place in the file (regenerate with --update-golden)."""
    move, problems = library.check_move(path, path.name)
    text = "".join(f"{problem}\n" for problem in ValidationError(problems).problems)
    expected = path.with_suffix(".err")
    if request.config.getoption("--update-golden") or not expected.exists():
        expected.write_text(text, encoding="utf-8")
    assert move is None
    assert text == expected.read_text(encoding="utf-8")


def test_the_bad_corpus_covers_every_rule():
    assert len(BAD_CASES) >= 12


def test_the_shipped_schema_is_the_one_the_code_builds(request):
    if request.config.getoption("--update-golden"):
        schema.SHIPPED.write_text(schema.text(), encoding="utf-8")
    assert schema.SHIPPED.read_text(encoding="utf-8") == schema.text(), (
        "pilates_audio/compose/exercise.schema.json is stale: rerun tests/compose/test_exercise_files.py --update-golden")


def test_the_schema_takes_the_routine_schemas_exercise_and_every_tag():
    from pilates_audio.format import schema as routine_schema

    built, exercise = schema.build(), routine_schema.build()["$defs"]["exercise"]
    for key, value in exercise["properties"].items():
        assert built["properties"][key] == value, key
    assert built["$defs"]["caution"]["enum"] == [caution.value for caution in Caution]
    assert built["$defs"]["level"]["enum"] == [level.value for level in Level]
    assert built["additionalProperties"] is False and built["$defs"]["variation"]["additionalProperties"] is False


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_the_schema_accepts_every_shipped_exercise(path):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json.loads(schema.SHIPPED.read_text(encoding="utf-8")))
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=EditorLoader)
    assert [error.message for error in validator.iter_errors(data)] == []


@pytest.mark.parametrize("name", ["unknown-keys", "bad-values", "missing-keys", "variation-not-a-mapping"])
def test_the_schema_rejects_what_the_checks_reject_for_its_shape(name):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json.loads(schema.SHIPPED.read_text(encoding="utf-8")))
    assert not validator.is_valid(yaml.load((BAD / f"{name}.yaml").read_text(encoding="utf-8"), Loader=EditorLoader))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


PLANK = """name: Plank
also: [Front support]
level: intermediate
position: four-point
focus: [core, shoulders]
role: main
cautions: [weight-on-wrists]
shape: neutral
cues:
  - Long line from the head to the heels.
hold: 20s-40s
easier:
  level: beginner
  name: Plank on the knees
  cautions: [weight-on-wrists, weight-on-knees]
  hold: 15s-30s
harder:
  level: advanced
  name: Plank with a leg lift
"""


def test_two_exercises_may_not_share_a_name(tmp_path):
    write(tmp_path, "plank", PLANK)
    write(tmp_path, "support", PLANK.replace("name: Plank\n", "name: Support\n", 1).replace(
        "name: Plank on the knees", "name: Kneeling support"))
    found, problems = library.check_library(tmp_path, "lib")
    assert [str(problem) for problem in problems] == [
        "lib/support.yaml:2:8: 'Front support' is also a name of plank.yaml; each name must find one exercise"]
    assert [move.id for move in found.moves] == ["plank", "support"]
    with pytest.raises(ValidationError):
        library.load_library(tmp_path)


PUMPS = """name: Pumps
level: beginner
position: supine
focus: [breathing]
role: main
cautions: [lying-on-the-back]
shape: neutral
setup: >-
  Lie on your back with the arms long. Pump them small and quick, the lower back heavy.
hold: 5-8 breaths
pulses: 5
"""


def test_a_pulsed_hold_says_its_form_in_the_setup_and_needs_no_plain_cue(tmp_path):
    """Its pulses leave no room for a cue between them: a plain cue could only move to the setup, with a warning."""
    move, problems = library.check_move(write(tmp_path, "pumps", PUMPS), "pumps.yaml")
    assert (move is not None, problems) == (True, [])
    move, problems = library.check_move(write(tmp_path, "pumps", PUMPS.replace("pulses: 5\n", "")), "pumps.yaml")
    assert [str(problem) for problem in problems] == [
        "pumps.yaml:1:1: an exercise of the library needs at least one plain cue (without on: or at:), on form or "
        "safety"]
    unset = re.sub(r"setup: >-\n.*\n", "", PUMPS)
    assert [str(problem) for problem in library.check_move(write(tmp_path, "pumps", unset), "pumps.yaml")[1]] == [
        "pumps.yaml:1:1: an exercise of the library needs at least one plain cue (without on: or at:), on form or "
        "safety"]


def test_ways_and_the_way_for_a_level(tmp_path):
    move = library.read_move(write(tmp_path, "plank", PLANK))
    ways = move.ways()
    assert [(way.variant, way.level, way.name) for way in ways] == [
        (Variant.EASIER, Level.BEGINNER, "Plank on the knees"), (Variant.STANDARD, Level.INTERMEDIATE, "Plank"),
        (Variant.HARDER, Level.ADVANCED, "Plank with a leg lift")]
    # A variation's keys replace the exercise's, and it keeps the rest; cautions are its own if it gives them.
    assert ways[0].routine_keys["hold"] == "15s-30s" and ways[0].routine_keys["cues"] == move.routine_keys["cues"]
    assert ways[2].routine_keys["hold"] == "20s-40s" and ways[2].cautions == move.cautions
    assert ways[0].cautions == (Caution.WEIGHT_ON_WRISTS, Caution.WEIGHT_ON_KNEES)
    assert [move.at(level).name for level in Level] == ["Plank on the knees", "Plank", "Plank with a leg lift"]
    assert move.at(Level.ADVANCED, frozenset({Caution.WEIGHT_ON_WRISTS})) is None
    at_same_level = library.read_move(write(tmp_path, "plank", PLANK.replace("level: beginner", "level: intermediate")))
    assert at_same_level.at(Level.INTERMEDIATE).variant is Variant.STANDARD
    assert at_same_level.at(Level.BEGINNER) is None


def test_the_way_for_a_level_leaves_out_what_is_avoided():
    hundred = library.load_library().named("hundred")
    assert hundred.at(Level.ADVANCED).variant is Variant.HARDER
    assert hundred.at(Level.ADVANCED, library.avoided(["neck"])).name == "Hundred with the head down"
    assert hundred.at(Level.ADVANCED, library.avoided(["pregnancy"])) is None
    assert library.listed(hundred, Level.ADVANCED).variant is Variant.STANDARD
    assert library.listed(hundred, Level.BEGINNER).variant is Variant.EASIER


def test_the_way_for_a_level_puts_a_harder_way_of_the_same_level_first_and_needs_only_the_props_given():
    push_up = library.load_library().named("wall push-up")
    assert push_up.level is push_up.harder.level is push_up.easier.level is Level.BEGINNER
    assert push_up.at(Level.BEGINNER).name == "Wall push-up, feet further back"
    assert push_up.at(Level.BEGINNER, props=frozenset({Prop.WALL})).name == "Wall push-up, feet further back"
    assert push_up.at(Level.ADVANCED, props=frozenset({Prop.BAND})) is None
    assert library.listed(push_up, Level.BEGINNER).variant is Variant.STANDARD


def test_avoided_takes_cautions_and_conditions():
    assert library.avoided([]) == frozenset()
    assert library.avoided(["neck-strain", "wrists"]) == {Caution.NECK_STRAIN, Caution.WEIGHT_ON_WRISTS}
    assert library.avoided(["Low_Back"]) == set(CONDITIONS["low-back"])
    with pytest.raises(InputError) as caught:
        library.avoided(["backs"])
    assert caught.value.message == (
        "cannot avoid 'backs': it is neither a caution nor a condition; the cautions are loaded-spinal-flexion, "
        "spinal-extension, rotation, lying-on-the-back, lying-on-the-front, weight-on-wrists, weight-on-knees, "
        "inversion, neck-strain, balance; the conditions are osteoporosis, pregnancy, wrists, knees, neck, low-back")


def test_find_knows_every_name_and_named_suggests_close_ones():
    shipped = library.load_library()
    swan = shipped.find("swan")
    assert swan is not None and swan.id == "swan"
    assert shipped.find("SWAN  PREP") is swan and shipped.find("Swan on the forearms") is swan
    assert shipped.find("Swam") is None
    with pytest.raises(InputError) as caught:
        shipped.named("Swam")
    assert caught.value.message == "no exercise in the library is called 'Swam'; did you mean 'Swim' or 'Swan'?"
    with pytest.raises(InputError) as caught:
        shipped.named("Handstand")
    assert caught.value.message == ("no exercise in the library is called 'Handstand'; `pilates-audio exercises` "
                                    "lists them all")


def test_the_library_is_read_once_per_process():
    assert library.load_library() is library.load_library()


def test_seventy_five_exercises_load_quickly(tmp_path, monkeypatch):
    """Start-up of `compose` waits for the library: it is read with libyaml and checked in full, well under 100 ms."""
    for number in range(75):
        source = SHIPPED[number % len(SHIPPED)].read_text(encoding="utf-8")
        source = re.sub(r"\nalso: .*", "", source.replace("\nname: ", f"\nname: Copy {number} of ", 1))
        write(tmp_path, f"copy-{number}", source)
    monkeypatch.setattr(library, "FOLDER", tmp_path)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        found, problems = library.check_library(tmp_path)
        times.append(time.perf_counter() - started)
        assert (len(found.moves), problems) == (75, [])
    assert min(times) < 0.25, times  # generous for a busy machine; the pure-Python reader takes about a second


def test_the_docs_name_every_condition_with_its_cautions_and_every_key():
    text = (Path(__file__).resolve().parents[2] / "docs" / "compose.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z-]+)` \| (`[a-z-]+`(?:, `[a-z-]+`)*) \|$", text, re.MULTILINE)
    assert {name: tuple(Caution(tag) for tag in re.findall(r"`([a-z-]+)`", tags)) for name, tags in rows} == CONDITIONS
    from pilates_audio.compose.keys import MOVE, WAYS

    keys = re.findall(r"^\| `([a-z]+)`(?:, `([a-z]+)`)? \| (?:yes|no) \|", text, re.MULTILINE)
    assert [key for row in keys for key in row if key] == ["name", *(key.name for key in MOVE), *WAYS]


@pytest.mark.parametrize("change", [
    {"easier": {"name": "No level"}},
    {"easier": {"level": "beginner", "focus": ["core"]}},
    {"harder": {"level": "advanced", "reps": 0}},
    {"harder": {"level": "hard"}},
    {"cautions": ["neck"]},
    {"role": []},
    {"focus": ["core", "core"]},
    {"tempo": "slow"},
])
def test_the_schema_rejects_a_bad_variation_or_tag(change):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json.loads(schema.SHIPPED.read_text(encoding="utf-8")))
    swan = yaml.load((library.FOLDER / "swan.yaml").read_text(encoding="utf-8"), Loader=EditorLoader)
    assert validator.is_valid(swan)
    assert not validator.is_valid({**swan, **change})
