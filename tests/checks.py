"""Checks of the timed-script contract, shared by the golden and end-to-end tests."""

from __future__ import annotations

from itertools import groupby

from pilates_audio.routine import Routine

TOLERANCE = 0.0015  # the script rounds times to the millisecond


def assert_tiles(data: dict) -> None:
    """The cues start at 0, each where the previous ended, and the last ends at `duration`."""
    cues = data["cues"]
    assert cues[0]["start"] == 0.0
    for before, after in zip(cues, cues[1:]):
        assert after["start"] == before["end"], (before, after)
        assert after["end"] > after["start"], after
    assert cues[-1]["end"] == data["duration"]


def parts(data: dict) -> list[tuple[str, str | None, str | None, float, list[dict]]]:
    """Group consecutive cues into parts: (part, exercise, side, length, cues)."""
    grouped = []
    for (part, exercise, side), run in groupby(data["cues"], key=lambda c: (c["part"], c["exercise"], c["side"])):
        run = list(run)
        grouped.append((part, exercise, side, round(run[-1]["end"] - run[0]["start"], 3), run))
    return grouped


def assert_breath_counts_exact(data: dict, routine: Routine) -> None:
    """Reps, holds and rests last exactly what the routine and pacing say."""
    breath = data["pacing"]["inhale"] + data["pacing"]["exhale"]
    by_exercise = {e.name: e for e in routine.exercises}
    seen = {"reps": 0, "hold": 0, "rest": 0}
    for part, exercise, side, length, run in parts(data):
        if part not in seen:
            continue
        ex = by_exercise[exercise]
        expected = {
            "reps": (ex.reps or 0) * ex.breaths_per_rep * breath,
            "hold": ex.hold.seconds(breath) if ex.hold else 0,
            "rest": ex.rest.seconds(breath) if ex.rest else 0,
        }[part]
        assert abs(length - expected) <= TOLERANCE, (exercise, part, side, length, expected)
        seen[part] += 1
    for ex in routine.exercises:
        times = len(ex.sides) or 1
        assert sum(1 for p in parts(data) if p[0] == "reps" and p[1] == ex.name) == (times if ex.reps else 0)
        assert sum(1 for p in parts(data) if p[0] == "hold" and p[1] == ex.name) == (times if ex.hold else 0)


def assert_counts_on_the_breath(data: dict, routine: Routine) -> None:
    """Each rep number starts as its rep begins (straight after its tone, in tone mode)."""
    from pilates_audio.phrases import number_words
    from pilates_audio.script import TONE_SECONDS

    pacing = data["pacing"]
    if not pacing["count_reps"]:
        return
    breath = pacing["inhale"] + pacing["exhale"]
    delay = TONE_SECONDS if pacing["breath_cues"] == "tone" else 0.0
    by_exercise = {e.name: e for e in routine.exercises}
    for part, exercise, side, length, run in parts(data):
        if part != "reps":
            continue
        ex = by_exercise[exercise]
        start = run[0]["start"]
        speech = [c for c in run if c["kind"] == "speech"]
        for i in range(ex.reps):
            word = "Last one" if i + 1 == ex.reps and ex.reps > 1 else number_words(i + 1).capitalize()
            said = [c for c in speech if c["text"].startswith(word + ".") or c["text"].startswith(word + ",")]
            assert said, (exercise, word)
            expected = start + i * ex.breaths_per_rep * breath + delay
            assert abs(said[0]["start"] - expected) <= TOLERANCE, (exercise, word, said[0]["start"], expected)


def assert_chapters(data: dict, routine: Routine) -> None:
    """Every exercise has a chapter with its name, where its setup starts."""
    titles = [c["title"] for c in data["chapters"]]
    for ex in routine.exercises:
        assert ex.name in titles
    setups = {}
    for part, exercise, side, length, run in parts(data):
        if part == "setup":
            setups.setdefault(exercise, run[0]["start"])
    for chapter in data["chapters"]:
        if chapter["title"] in setups:
            assert chapter["start"] == setups[chapter["title"]]
    starts = [c["start"] for c in data["chapters"]]
    assert starts == sorted(starts) and starts[0] == 0.0
