"""The JSON Schema: shipped as printed, accepting everything `check` accepts, rejecting unknown keys."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import EditorLoader, ROOT, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilates_audio.format import keys, routine, schema
from pilates_audio.format.values import ValueChecker
from pilates_audio.format.yamlsrc import Node
from pilates_audio.settings import BREATH_CUES, KEYS, PRESETS

SCHEMA = json.loads(schema.SHIPPED.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
# Editors' language servers validate with draft 7 rules; the verdicts must not differ.
DRAFT7 = jsonschema.Draft7Validator({**copy.deepcopy(SCHEMA), "$schema": "http://json-schema.org/draft-07/schema#"})
ROUTINE_FILES = sorted((ROOT / "routines").rglob("*.yaml"))


def valid(instance) -> bool:
    verdict = VALIDATOR.is_valid(instance)
    assert DRAFT7.is_valid(instance) == verdict, instance
    return verdict


def test_the_shipped_schema_is_the_one_the_code_builds(request):
    if request.config.getoption("--update-golden"):
        schema.SHIPPED.write_text(schema.text(), encoding="utf-8")
    assert schema.SHIPPED.read_text(encoding="utf-8") == schema.text(), (
        "pilates_audio/routine.schema.json is stale: run ./scripts/test tests/format/test_schema.py --update-golden")


def test_schema_prints_the_shipped_file_and_is_a_draft_2020_12_schema():
    result = run_cli("schema")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == schema.SHIPPED.read_text(encoding="utf-8")
    printed = json.loads(result.stdout)
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(printed)
    where = run_cli("schema", "--path")
    assert Path(where.stdout.strip()) == schema.SHIPPED and schema.SHIPPED.is_file()


def test_the_schema_knows_exactly_the_keys_check_knows():
    defs = SCHEMA["$defs"]
    assert list(defs["routine"]["properties"]) == list(keys.ROUTINE_KEYS)
    assert list(defs["exercise"]["properties"]) == list(keys.EXERCISE_KEYS)
    assert list(defs["section"]["properties"]) == list(keys.SECTION_KEYS)
    assert list(defs["pacing"]["properties"]) == list(KEYS)
    assert defs["pacing"]["properties"]["preset"]["enum"] == list(PRESETS)
    assert defs["pacing"]["properties"]["breath_cues"]["enum"] == list(BREATH_CUES)
    for name in ("routine", "exercise", "section", "pacing", "include"):
        assert defs[name]["additionalProperties"] is False


@pytest.mark.parametrize("path", ROUTINE_FILES + sorted((ROOT / "tests" / "golden").glob("*.yaml")),
                         ids=lambda path: path.name)
def test_every_shipped_and_golden_routine_validates(path):
    assert routine.check_file(path)[1] == []
    assert valid(yaml.load(path.read_text(encoding="utf-8"), Loader=EditorLoader))



def test_library_routines_point_editors_at_the_schema():
    for path in ROUTINE_FILES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target == schema.SHIPPED.resolve(), path


BASE = {"title": "T", "exercises": [{"name": "Roll up", "reps": 5}]}


@pytest.mark.parametrize("change", [
    {"tempo": "slow"},
    {"exercises": [{"name": "Roll up", "reps": 5, "tempo": "slow"}]},
    {"exercises": [{"include": "blocks/a.yaml", "reps": 3}]},
    {"exercises": []},
    {"exercises": [{"reps": 5}]},
    {"sections": [{"name": "A", "exercises": [{"name": "B", "hold": "30s"}]}]},  # beside exercises
    {"pacing": {"tempo": 3}},
    {"pacing": {"preset": "fast"}},
    {"pacing": {"breath_cues": "bell"}},
    {"pacing": {"countdown": 11}},
    {"pacing": {"rate": 500}},
    {"pacing": {"inhale": "2 breaths"}},
    {"pacing": {"voice": "a"}, "voice": "b"},
    {"exercises": [{"name": "Plank", "sides": "both"}]},
    {"exercises": [{"name": "Plank", "hold": "30s", "breaths_per_rep": 2}]},
    {"exercises": [{"name": "Plank", "hold": "30s", "hold_each": "3s"}]},
    {"exercises": [{"name": "Plank", "reps": 5, "hold_each": "2 breaths"}]},
    {"exercises": [{"name": "Plank", "hold": "forever"}]},
    {"exercises": [{"name": "Plank", "reps": 0}]},
    {"exercises": [{"name": "Plank", "reps": "6 to 10"}]},
    {"exercises": [{"name": "Plank", "hold": "30s", "sides": "left"}]},
    {"cover": "cover.gif"},
    {"title": "   "},
    {"exercises": [{"name": "Roll up", "reps": 5, "cues": [{"on": "exhale"}]}]},
    {"exercises": [{"name": "Roll up", "reps": 5, "cues": [{"say": "Up.", "on": "exhale", "at": 2}]}]},
    {"exercises": [{"name": "Roll up", "reps": 5, "cues": [{"say": "Up."}]}]},
    {"exercises": [{"name": "Roll up", "reps": 5, "cues": [{"say": "Up.", "on": "hold"}]}]},
    {"exercises": [{"name": "Roll up", "reps": 5, "cues": [{"say": "Up.", "at": 2, "every": 2}]}]},
    {"exercises": [{"name": "Roll up", "reps": 5, "cues": [{"say": "Up.", "on": "inhale", "reps": 2}]}]},
    {"intro": {}},
    {"intro": {"en": "Hello.", "tlh": "nuqneH"}},
    {"intro": {"en": "Hello.", "pt": "Olá."}},
    {"exercises": [{"name": "Roll up", "reps": 5, "setup": {"en": {"de": "Hoch."}}}]},
    {"exercises": [{"name": "Roll up", "reps": 5, "cues": [{"en": "Up.", "on": "exhale"}]}]},
    {"exercises": [{"name": "Roll up", "reps": 5, "cues": [{"say": {"en": "Up.", "xx": "Up."}, "on": "exhale"}]}]},
], ids=lambda change: json.dumps(change)[-60:])
def test_the_schema_rejects_what_check_rejects_for_its_shape(change, tmp_path):
    instance = {**BASE, **change}
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(instance), encoding="utf-8")
    assert routine.check_file(path)[1], "check must reject this too"
    assert not valid(instance)


def test_a_block_file_validates_and_a_list_of_names_does_not():
    assert valid([{"name": "Roll up", "reps": 5}, {"include": "other.yaml"}])
    assert not valid(["Roll up", "Hundred"])
    assert not valid([])


def mostly(good: list, bad: list) -> st.SearchStrategy:
    """Sample good values about four times as often as bad ones, so many documents pass check."""
    return st.sampled_from(good * max(1, 4 * len(bad) // max(1, len(good))) + bad)


TEXTS = mostly(["Roll up", "Sit tall.", "Café crème"], ["", "  ", 5, True, None, ["a"], "<b></b>", "2024-01-01"])
REPS = mostly([8, 1, "6-10", "01-3", " 3 - 5 "], ["10-6", "0-3", 0, -1, "x", 2.5, True, "8"])
DURATIONS = mostly([30, 2.5, "30s", "1m30s", "3 breaths", "2-4 breaths", "30-90s", "1 H 2 MIN", ".5 breaths", "1h30m",
                    "1 breath", "45", " 20 Seconds ", "1m-2m", "2.5 BREATHS", "1-3 breaths"],
                   [0, "30s-3 breaths", "-5s", "abc", True, "0s", "90s-30s"])
SECONDS = mostly([4, "4s", "4.5 sec", "1m", 2.5], [0, "2 breaths", "x", True, -3])
FLAGS = mostly([True, False, "yes", "Off"], ["maybe", 1, None])
PACING_VALUES = {
    "preset": mostly(["gentle", "standard", "brisk"], ["fast", 3]),
    "inhale": SECONDS, "exhale": SECONDS, "min_phase": SECONDS, "max_phase": SECONDS,
    "rate": mostly([155, 60, 450, "155", " 160.5 ", "2_00", "1.5e2"], [59, 451, "fast", True, "nan"]),
    "transition": mostly([0, "0s", "4s", "1 breath"], ["1-2 breaths", -1, "x"]),
    "voice": TEXTS,
    "breath_cues": mostly(["voice", "tone", "silent"], ["bell", "Voice"]),
    "count_reps": FLAGS, "halfway": FLAGS, "announce_next": FLAGS,
    "countdown": mostly([0, 3, 10], [11, -1, "3", True]),
    "breath_cues_every": mostly([1, 3, 12], [0, -2, "3", 2.5, True]),
}
# A spoken text may be given per language: the routine's own (en) among them, a region of one, any case.
SAID = mostly(["Sit tall.", {"en": "Sit tall.", "de": "Sitzen Sie aufrecht."}, {"EN-gb": "Sit tall."},
               {"en": "Up.", "pt-BR": "Para cima."}],
              ["", {}, {"de": "Nur Deutsch."}, {"en": "Up.", "pt": "Para cima."}, {"en": ["Up."]}, {"en": ""},
               {"en": {"de": "Hoch."}}, {"klingon": "Qapla'"}])
EXERCISE_VALUES = {
    "name": TEXTS, "setup": SAID,
    "cues": mostly(["Lift.", ["A.", "B."], [], {"en": "Lift.", "it": "Su."}, [{"say": {"en": "Out.", "nl": "Uit."},
                                                                             "on": "exhale"}]],
                   [[3], "", ["A.", ""], {"nl": "Uit."}, [{"say": {"en": "Out."}, "on": "hold"}]]),
    "reps": REPS, "hold": DURATIONS, "rest": DURATIONS,
    "breaths_per_rep": mostly([1, 2.5], [0, -1, "2", True]),
    "hold_each": mostly([3, 2.5, "3s", "3s-4s", "3-4s", " 2 sec "], [0, "2 breaths", "1-2 breaths", "x", True]),
    "sides": mostly(["both", ["left", "right"], ["right", "left"]], [["left"], "left", 3]),
    "kind": mostly(["stretch", "rest", "effort"], ["yoga", "Rest", "", 1, True]),
}


def mapping_of(values: dict, required: tuple[str, ...] = (), extra: int = 4) -> st.SearchStrategy:
    """Mappings with the required keys and up to `extra` others of `values`, each with a sampled value."""
    keys = st.lists(st.sampled_from(sorted(values)), unique=True, max_size=extra)
    return keys.flatmap(lambda chosen: st.fixed_dictionaries(
        {key: values[key] for key in dict.fromkeys([*required, *chosen])}))


# The shapes stay right (the cases above cover wrong ones); the values vary.
EXERCISES = st.lists(mapping_of(EXERCISE_VALUES, ("name",)), min_size=1, max_size=3)
OPTIONAL = {"pacing": mapping_of(PACING_VALUES, extra=3), "voice": TEXTS, "intro": SAID, "outro": SAID}
ROUTINE = (st.fixed_dictionaries({"title": TEXTS, "exercises": EXERCISES}, optional=OPTIONAL)
           | st.fixed_dictionaries({"title": TEXTS, "sections": st.lists(
               st.fixed_dictionaries({"name": TEXTS, "exercises": EXERCISES}), min_size=1, max_size=2)},
               optional=OPTIONAL))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ROUTINE)
def test_every_routine_check_accepts_validates(tmp_path, document):
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    instance = yaml.safe_load(path.read_text(encoding="utf-8"))
    accepted = not routine.check_file(path)[1]
    if accepted:
        assert valid(instance), document
    else:
        valid(instance)  # still: both drafts must agree


WORDS = ["1", "2.5", ".5", "0", "30", "-", " ", "s", "sec", "Seconds", "m", "MIN", "minutes", "h", "hr", "Hours",
         "breath", "breaths", "x", "1m30s", "90", "e"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map("".join))
def test_the_duration_pattern_accepts_every_duration_check_accepts(text):
    problems: list = []
    accepted = ValueChecker("r.yaml", problems, Path()).duration(Node(text, 1, 1, raw=text), "hold") is not None
    if accepted:
        assert valid({"title": "T", "exercises": [{"name": "N", "hold": text}]}), text


def test_the_format_reference_names_every_key():
    text = (ROOT / "docs" / "routine-format.md").read_text(encoding="utf-8")
    for key in (*keys.ROUTINE_KEYS, *keys.EXERCISE_KEYS, *KEYS, "include"):
        assert f"`{key}`" in text, key
    for command in ("pilates-audio new", "pilates-audio schema", "yaml-language-server: $schema="):
        assert command in text, command


def test_spoken_texts_may_be_given_per_language_and_names_may_not():
    exercise = {"name": "Bridge", "reps": 3, "setup": {"en": "Lie down.", "de": "Hinlegen.", "pt-br": "Deite."},
                "cues": [{"en": "Up.", "de": "Hoch."}, {"say": {"en": "Out.", "de": "Aus."}, "on": "exhale"}]}
    bilingual = {"title": "Bridge", "intro": {"en": "Hello.", "en-GB": "Hello there."}, "outro": {"de": "Tschüss."},
                 "language": "de", "exercises": [exercise]}
    assert valid(bilingual)
    assert not valid({**bilingual, "title": {"en": "Bridge", "de": "Brücke"}})
    assert not valid({**bilingual, "exercises": [{**exercise, "name": {"en": "Bridge", "de": "Brücke"}}]})
