"""`pilates-audio new`: a commented starter routine that passes check, shows every feature, and renders."""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import EditorLoader, run_cli, run_here
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilates_audio import languages
from pilates_audio.format import keys, routine, schema, starter
from pilates_audio.format.values import speakable
from pilates_audio.settings import KEYS
from pilates_audio.sound.decoding import decode


def test_new_writes_a_starter_that_passes_check_and_validates(tmp_path):
    result = run_cli("new", "My Routine", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.stdout == "my-routine.yaml\n"
    assert result.stderr == ("next: edit it, then `pilates-audio check my-routine.yaml` and "
                             "`pilates-audio render my-routine.yaml`\n")
    path = tmp_path / "my-routine.yaml"
    checked = run_cli("check", "my-routine.yaml", cwd=tmp_path)
    assert checked.code == 0 and checked.stdout.startswith("my-routine.yaml: ok (8 exercises, about ")
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=EditorLoader)
    jsonschema.Draft202012Validator(json.loads(schema.SHIPPED.read_text())).validate(document)
    assert routine.load(path).title == "My Routine"


def test_the_starter_points_editors_at_the_installed_schema(tmp_path):
    run_cli("new", "Flow", "-o", "sessions/flow.yaml", cwd=tmp_path)
    first = (tmp_path / "sessions" / "flow.yaml").read_text().splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match
    reference = match[1]
    if reference.startswith("file://"):
        target = Path(urllib.parse.unquote(urllib.parse.urlparse(reference).path))
    else:
        target = tmp_path / "sessions" / urllib.parse.unquote(reference)
    assert target.resolve() == schema.SHIPPED.resolve()
    # Inside a project holding the package, the reference is relative, as in routines/.
    inside = schema.SHIPPED.parent.parent / "routines"
    assert starter.schema_reference(inside) == "../pilates_audio/routine.schema.json"


def test_the_starter_shows_every_key_of_the_format(tmp_path):
    text = starter.starter("Flow", tmp_path / "flow.yaml")
    document = yaml.safe_load(text)
    commented = set(re.findall(r"^\s*#\s*-?\s*(\w+):", text, flags=re.MULTILINE))
    assert set(keys.ROUTINE_KEYS) - {"exercises"} <= set(document) | commented
    assert "`exercises:`" in text  # the other way to list them, in the note on sections
    used = {key for section in document["sections"] for exercise in section["exercises"] for key in exercise}
    assert used == set(keys.EXERCISE_KEYS)
    cues = yaml.load(text, Loader=EditorLoader)["sections"][1]["exercises"][1]["cues"]
    assert {key for cue in cues for key in cue} | set(re.findall(r"(reps|every): ", text)) == set(keys.CUE_KEYS)
    # voice and engine: shown as notes; language: at the top, as a routine says it
    assert set(document["pacing"]) | {"voice", "engine", "language"} == set(KEYS)
    assert {"voice", "engine", "rounds"} <= commented  # rounds: a section key, shown as a note
    assert "include" in commented  # a block needs a file of the user's own, so it is shown as a note
    values = [exercise.get(key) for section in document["sections"] for exercise in section["exercises"]
              for key in ("reps", "rest")]
    assert "4-6" in values and "20s-40s" in values  # ranges


def test_the_starter_renders(tmp_path):
    run_cli("new", "Flow", cwd=tmp_path)
    result = run_here(tmp_path, "render", "flow.yaml", "-o", "out", "-q")
    assert result.code == 0, result.stderr
    script = json.loads((tmp_path / "out" / "flow.json").read_text())
    samples = len(decode(tmp_path / "out" / "flow.mp3")) // 2
    assert abs(samples / 44100 - script["duration"]) < 0.002
    spoken = [cue["text"] for cue in script["cues"] if cue["kind"] == "speech"]
    assert spoken[:2] == ["Flow.", " ".join(yaml.safe_load(starter.starter("Flow", None))["intro"].split())]
    assert [c["title"] for c in script["chapters"]] == [
        "Introduction", "Warm-up", "Shoulder rolls", "Main set", "Spine stretch", "Bridge", "The Hundred", "Saw",
        "Leg circles", "Side plank", "Child's pose", "Closing"]


def test_new_never_replaces_a_file_unless_asked(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("title: Mine\n")
    result = run_cli("new", "Mine", "-o", "mine.yaml", cwd=tmp_path)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == ("error: mine.yaml already exists; choose another file with -o, "
                             "or add --force to replace it\n")
    assert path.read_text() == "title: Mine\n"
    assert run_cli("new", "Mine", "-o", "mine.yaml", "--force", cwd=tmp_path).code == 0
    assert routine.load(path).title == "Mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.yaml"]  # no temporary files left


def test_new_prints_the_starter_with_a_dash(tmp_path):
    result = run_cli("new", "Flow", "-o", "-", cwd=tmp_path)
    assert (result.code, result.stderr) == (0, "")
    first, rest = result.stdout.split("\n", 1)
    assert first.startswith("# yaml-language-server: $schema=")  # relative to the current folder
    assert rest == starter.starter("Flow", None).split("\n", 1)[1]
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_titles_a_routine_could_not_use(tmp_path):
    assert run_cli("new", "  ", cwd=tmp_path).stderr == "error: title is empty; give it some text\n"
    result = run_cli("new", "<break/>", cwd=tmp_path)
    assert (result.code, result.stderr) == (
        2, "error: title has nothing to say once markup is removed; give it some words\n")
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=60))
def test_any_usable_title_gives_a_routine_that_passes_check(tmp_path, title):
    result = run_here(tmp_path, "new", "-o", "t.yaml", "--force", "--", title)
    if result.code != 0:
        assert result.code == 2 and result.stderr.startswith("error: title ")
        return
    loaded, problems = routine.check(tmp_path / "t.yaml")
    assert problems == []
    assert loaded.title == speakable(title)
    assert starter.file_name(title).endswith(".yaml") and "/" not in starter.file_name(title)


def test_a_long_title_gets_a_short_file_name(tmp_path):
    title = "Slow and steady " * 30
    result = run_cli("new", title, cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.stdout == "slow-and-steady-slow-and-steady-slow-and-steady-slow-and-ste.yaml\n"
    assert routine.load(tmp_path / result.stdout.strip()).title == title.strip()


@pytest.mark.parametrize("language", [tag for tag in languages.shipped() if tag != languages.DEFAULT])
def test_a_starter_in_another_language_passes_check_and_says_its_lines_in_it(language, tmp_path):
    path = tmp_path / "flow.yaml"
    result = run_cli("new", "Flow", "--language", language, "-o", path)
    assert result.code == 0, result.stderr
    text = path.read_text(encoding="utf-8")
    assert re.search(rf"^language: {re.escape(language)}(  #|$)", text, flags=re.MULTILINE)
    voice = languages.phrasebook(language).voices["piper"]
    assert re.search(rf"^# voice: {re.escape(voice)}(  #|$)", text, flags=re.MULTILINE)  # one that speaks it
    checked = run_cli("check", path)
    assert checked.code == 0, checked.stderr
    english, translated = yaml.safe_load(starter.starter("Flow", None)), yaml.safe_load(text)
    for key in ("description", "intro", "outro"):
        assert translated[key] != english[key], key  # written in the language
    # The same routine in every other way: the same exercises with the same counts and keys.
    shape = [[sorted(exercise) for exercise in section["exercises"]] for section in english["sections"]]
    assert [[sorted(exercise) for exercise in section["exercises"]] for section in translated["sections"]] == shape
    assert translated["pacing"] == english["pacing"]


def test_a_starter_for_a_region_names_the_region_and_an_unknown_language_is_refused(tmp_path):
    assert re.search(r"^language: de-AT  #", starter.starter("Flow", None, "de-AT"), flags=re.MULTILINE)
    result = run_cli("new", "Flow", "--language", "tlh", "-o", tmp_path / "x.yaml")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith("error: Invalid value for '--language': no phrasebook for language 'tlh'; "
                                    "shipped languages: de, en, es, fr, it, nl, pt-BR")
    assert not (tmp_path / "x.yaml").exists()
