"""The routine library: both source articles as sessions, in the project's own words, rendering right."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

import audiocheck
from checks import FRAME_TOLERANCE, assert_breath_counts_exact, assert_chapters, assert_tiles
from pilates_audio import render
from pilates_audio.format import Duration, routine, starter

SEEDS = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
# The articles' eight-word runs, as hashes: the check runs in any clone, and the
# project holds no sentence of the articles. Rebuilt from ../shared/seeds by --update-golden.
FINGERPRINTS = ROOT / "tests" / "article-runs.txt"
LIBRARY = sorted((ROOT / "routines").glob("*.yaml"))
ENGLISH = [path for path in LIBRARY if routine.load(path).pacing_layer.values.get("language", "en") == "en"]
# Each language's safety notice: at your own risk, ask a doctor, stop at a sharp pain; and how it opens.
NOTICES = {"en": (("own risk", "doctor", "sharp"), ("before we begin", "a word on safety")),
           "de": (("eigene verantwortung", "arzt", "stechend"), ("vorab ein hinweis",))}
AUTHORED = sorted((ROOT / "routines").rglob("*.yaml"))
# The exercise library the composer builds classes from is written text we ship too.
EXERCISES = sorted((ROOT / "pilates_audio" / "compose" / "exercises").glob("*.yaml"))
RUN = 8  # no run of this many words from the articles may appear in what we ship


def words(text: str) -> list[str]:
    """Split text into lower-case words, treating curly and straight apostrophes alike."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))


def runs(text: str) -> dict[str, str]:
    """Return each run of eight words in `text` by its fingerprint."""
    found = words(text)
    spans = (" ".join(found[i:i + RUN]) for i in range(len(found) - RUN + 1))
    return {hashlib.sha256(span.encode()).hexdigest()[:16]: span for span in spans}


@pytest.fixture(scope="module")
def article_runs(request) -> set[str]:
    if SEEDS:
        current = sorted(set().union(*(runs(path.read_text(encoding="utf-8")) for path in SEEDS)))
        if request.config.getoption("--update-golden"):
            FINGERPRINTS.write_text("".join(f"{fingerprint}\n" for fingerprint in current), encoding="utf-8")
        assert FINGERPRINTS.read_text(encoding="utf-8").split() == current, (
            "tests/article-runs.txt is stale: run ./scripts/test tests/library/test_library.py --update-golden")
    return set(FINGERPRINTS.read_text(encoding="utf-8").split())


def test_the_fingerprints_cover_both_articles(article_runs):
    assert len(article_runs) > 2000


@pytest.mark.skipif(not SEEDS, reason="needs the source articles (../shared/seeds) beside this checkout")
def test_the_overlap_check_finds_a_copied_run(article_runs):
    copied = words(SEEDS[1].read_text(encoding="utf-8"))[200:200 + RUN]
    assert set(runs("Some words first: " + " ".join(copied).upper() + ", then more.")) & article_runs


@pytest.mark.parametrize("path", AUTHORED + EXERCISES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_run_of_eight_words_comes_from_the_articles(path, article_runs):
    found = runs(path.read_text(encoding="utf-8"))
    assert not set(found) & article_runs, [found[key] for key in sorted(set(found) & article_runs)]


def test_the_starter_is_our_own_writing_too(article_runs):
    assert not set(runs(starter.starter("My Routine", None))) & article_runs


@pytest.mark.parametrize("path", LIBRARY, ids=lambda path: path.stem)
def test_each_routine_opens_with_the_safety_notice(path):
    loaded = routine.load(path)
    plan, _ = render.estimated_script(loaded, render.effective_pacing(loaded, {})[0])
    spoken = [cue.text for cue in plan.cues if cue.kind == "speech"]
    assert spoken[0] == f"{loaded.title}."
    notice = spoken[1].lower()
    words, openings = NOTICES[loaded.pacing_layer.values.get("language", "en")]
    assert all(word in notice for word in words) and notice.startswith(openings), notice


def names(path: Path) -> list[str]:
    return [exercise.name for exercise in routine.load(path).exercises]


def test_upper_back_strength_has_all_six_exercises_in_the_articles_order():
    loaded = routine.load(ROOT / "routines" / "upper-back-strength.yaml")
    main = [e for e in loaded.exercises if e.section == "Upper back"]
    assert [e.name for e in main] == ["Inverted arms up", "Back shoulder lift", "Punching", "Tapping the fingers",
                                      "Upper back stabilization", "Pushing"]
    for exercise in main:
        assert exercise.setup and len(exercise.cues) >= 2, exercise.name
        assert exercise.reps or exercise.hold
    # The article's one warning per exercise is carried: look down, head down, hold still.
    text = " ".join(" ".join((e.setup or "", *e.cues)) for e in main).lower()
    assert "looking down" in text and "keep your head down" in text and "completely still" in text


def test_upper_back_pain_relief_follows_the_article():
    loaded = routine.load(ROOT / "routines" / "upper-back-pain-relief.yaml")
    sections = list(dict.fromkeys(e.section for e in loaded.exercises))
    assert sections == ["Warm-up", "Foam rolling", "Mobility", "Breathing", "Cool-down"]
    by_name = {e.name: e for e in loaded.exercises}
    rolling = [e for e in loaded.exercises if e.section == "Foam rolling"]
    assert len(rolling) == 3
    for exercise in rolling:  # holds of 20 to 30 seconds at each spot
        assert (exercise.hold, exercise.hold_max) == (Duration(20, "s"), Duration(30, "s"))
    plane, chest = by_name["Inclined plane"], by_name["Chest expansion"]
    assert (plane.reps, plane.reps_max) == (8, 12)
    assert plane.hold_each.amount >= 3 and not plane.hold_each.in_breaths  # held for several seconds
    assert (chest.reps, chest.reps_max) == (3, 5)
    assert (chest.hold_each, chest.hold_each_max) == (Duration(3, "s"), Duration(4, "s"))
    assert by_name["Cat-cow"].breaths_per_rep == 1  # one breath for each movement
    pacing, _ = render.effective_pacing(loaded, {})
    assert pacing.inhale == 5.0  # inhalations of about five seconds
    assert "about five seconds" in " ".join(by_name["Breathing focus"].cues)
    notice = loaded.intro.lower()
    assert all(advice in notice for advice in ("slowly", "take a break", "never push", "sharp"))
    # Foam rolling lasts two to three minutes a side, at the low end and at the top of its ranges.
    for fill in (0.0, 1.0):
        plan, _ = render.estimated_script(loaded.choose(fill), pacing)
        starts = {chapter.title: chapter.start / 44100 for chapter in plan.chapters}
        per_side = (starts["Cat-cow"] - starts["Rolling to the middle ribs"]) / 2
        assert 120 <= per_side <= 180, per_side


def test_the_english_routines_share_the_warm_up_block():
    for path in ENGLISH:
        loaded = routine.load(path)
        assert ROOT / "routines" / "blocks" / "warm-up.yaml" in loaded.includes
        assert names(path)[:3] == ["Shoulder rolls", "Torso circles", "Marching on the spot"]


def test_check_passes_every_file_in_the_library():
    result = run_cli("check", *[str(p.relative_to(ROOT)) for p in AUTHORED], cwd=ROOT)
    assert result.code == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(AUTHORED)


@pytest.fixture(scope="module", params=[
    pytest.param((path.stem, engine), id=f"{path.stem}-{engine}", marks=[pytest.mark.slow] if engine == "piper" else [])
    # The neural voice shipped is English; a routine in another language is spoken by eSpeak NG's voice of it.
    for path in LIBRARY for engine in ("pyttsx3", "piper") if path in ENGLISH or engine == "pyttsx3"])
def rendered(request, tmp_path_factory):
    name, engine = request.param
    out = tmp_path_factory.mktemp("library")
    source = ROOT / "routines" / f"{name}.yaml"
    result = run_cli("render", source, "-o", out, "-q", "--engine", engine)
    assert result.code == 0, result.stderr
    assert result.stderr == ""  # every line fits where it belongs: no warnings
    data = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    assert data["pacing"]["engine"] == engine
    return out / f"{name}.mp3", routine.load(source), data, audiocheck.load(out / f"{name}.mp3")


def test_a_library_session_lasts_what_its_script_says(rendered):
    _, loaded, data, pcm = rendered
    assert abs(len(pcm) / 2 / audiocheck.RATE - data["duration"]) <= 0.001
    assert_tiles(data)
    assert_breath_counts_exact(data, loaded, FRAME_TOLERANCE)
    assert_chapters(data, loaded)


def test_a_library_session_speaks_where_its_script_says_and_is_quiet_between(rendered):
    _, _, data, pcm = rendered
    speech = [cue for cue in data["cues"] if cue["kind"] == "speech"]
    for cue in speech:
        assert audiocheck.rms(pcm, cue["start"] + 0.01, cue["end"] - 0.01) > 300, cue
    pauses = [cue for cue in data["cues"] if cue["kind"] == "pause" and cue["end"] - cue["start"] > 0.2]
    for cue in pauses:
        assert audiocheck.peak(pcm, cue["start"] + 0.06, cue["end"] - 0.06) < 150, cue
    assert len(speech) > 150 and len(pauses) > 150


def test_a_library_session_is_at_the_usual_loudness(rendered):
    mp3, _, _, _ = rendered
    integrated, peak = audiocheck.ebur128(mp3)
    assert abs(integrated - (-19.0)) <= 1.0
    assert peak <= -1.0


def test_the_german_edition_is_the_english_session_in_german():
    german, english = routine.load(ROOT / "routines" / "upper-back-strength-de.yaml"), \
        routine.load(ROOT / "routines" / "upper-back-strength.yaml")
    assert german.pacing_layer.values["language"] == "de"
    assert len(german.exercises) == len(english.exercises)
    for de, en in zip(german.exercises, english.exercises):  # the same work, said in German
        assert (de.reps, de.reps_max, de.sides, de.rest) == (en.reps, en.reps_max, en.sides, en.rest), de.name
        assert (de.hold or de.work) == (en.hold or en.work) and de.name != en.name
        assert de.kind == en.kind, de.name  # narrated alike: a rest pose in both
    shown = run_cli("check", ROOT / "routines" / "upper-back-strength-de.yaml")
    assert shown.code == 0 and ", about 16:" in shown.stdout
