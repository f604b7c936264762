"""Checks of the timed-script contract, shared by the golden and end-to-end tests."""

from __future__ import annotations

from itertools import groupby

from pilates_audio.format import Routine

TOLERANCE = 0.0015  # the script rounds times to the millisecond
# A session built from pieces moves each sound by at most half an MP3 frame, so a
# stretch between two of them is within one frame (1152 samples) of its plan.
FRAME_TOLERANCE = 1152 / 44100 + TOLERANCE


def book_of(data: dict):
    """Return the phrasebook of a timed script's language."""
    from pilates_audio import languages

    return languages.phrasebook(languages.resolve(data["pacing"].get("language", languages.DEFAULT)))


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


def pacing_of(data: dict, exercise: str | None) -> dict:
    """Return the pacing an exercise is played at: the session's, with its own pacing over it."""
    return {**data["pacing"], **data.get("exercise_pacing", {}).get(exercise, {})}


def rep_seconds(exercise, breath: float) -> float:
    """Return how long one rep lasts: its breaths, and its hold at the top."""
    return exercise.breaths_per_rep * breath + (exercise.hold_each.seconds(breath) if exercise.hold_each else 0.0)


def part_seconds(exercise, part: str, breath: float) -> float:
    """Return how long an exercise's reps, work, hold or rest last, as the routine says."""
    return {
        "reps": (exercise.reps or 0) * rep_seconds(exercise, breath),
        "work": exercise.work.seconds(breath) if exercise.work else 0,
        "hold": exercise.hold.seconds(breath) if exercise.hold else 0,
        "rest": exercise.rest.seconds(breath) if exercise.rest else 0,
    }[part]


def assert_cues_inside_their_work(data: dict, routine: Routine, tolerance: float = TOLERANCE) -> None:
    """The author's cues are said in their exercise's setup, or in its reps, work or hold as the routine times it."""
    by_exercise = {e.name: e for e in routine.exercises}
    for part, name, side, length, run in parts(data):
        exercise = by_exercise.get(name)
        if exercise is None:
            continue
        authored = set(exercise.cues) | {cue.text for cue in exercise.tied}
        said = [cue for cue in run if cue["kind"] == "speech" and cue["text"] in authored]
        if not said or part == "setup":
            continue
        assert part in ("reps", "work", "hold"), (name, part, said[0])
        end = run[0]["start"] + part_seconds(exercise, part, pacing_of(data, name)["breath"])
        assert all(cue["end"] <= end + tolerance for cue in said), (name, part, side, said[-1], end)


def assert_breath_counts_exact(data: dict, routine: Routine, tolerance: float = TOLERANCE) -> None:
    """Reps, holds and rests last exactly what the routine and pacing say."""
    by_exercise = {e.name: e for e in routine.exercises}
    seen = {"reps": 0, "work": 0, "hold": 0, "rest": 0}
    for part, exercise, side, length, run in parts(data):
        if part not in seen:
            continue
        expected = part_seconds(by_exercise[exercise], part, pacing_of(data, exercise)["breath"])
        assert abs(length - expected) <= tolerance, (exercise, part, side, length, expected)
        seen[part] += 1
    for ex in routine.exercises:
        times = (len(ex.sides) or 1) * ex.rounds  # each round of a section plays it again
        sets = times * (2 if ex.reverse else 1)
        assert sum(1 for p in parts(data) if p[0] == "reps" and p[1] == ex.name) == (sets if ex.reps else 0)
        assert sum(1 for p in parts(data) if p[0] == "hold" and p[1] == ex.name) == (times if ex.hold else 0)
        assert sum(1 for p in parts(data) if p[0] == "work" and p[1] == ex.name) == (times if ex.work else 0)


def assert_counts_on_the_breath(data: dict, routine: Routine, tolerance: float = TOLERANCE) -> None:
    """Each rep number starts as its rep begins (straight after its tone, in tone mode)."""
    from pilates_audio.timing.tones import TONE_SECONDS

    book = book_of(data)

    by_exercise = {e.name: e for e in routine.exercises}
    for part, exercise, side, length, run in parts(data):
        pacing = pacing_of(data, exercise)
        if part != "reps" or not pacing["count_reps"]:
            continue
        breath = pacing["breath"]
        delay = TONE_SECONDS if pacing["breath_cues"] == "tone" else 0.0
        ex = by_exercise[exercise]
        start = run[0]["start"]
        speech = [c for c in run if c["kind"] == "speech"]
        for i in range(ex.reps):
            word = book.phrases["last_rep"] if i + 1 == ex.reps and ex.reps > 1 else book.count(i + 1)[:-1]
            # With pulses, "Two." is a pulse; the count says its phase ("Two, inhale.") or follows a tone.
            endings = (",",) if ex.pulses and pacing["breath_cues"] == "voice" else (".", ",")
            said = [c for c in speech if c["text"].startswith(tuple(word + end for end in endings))]
            assert said, (exercise, word)
            expected = start + i * rep_seconds(ex, breath) + delay
            assert abs(said[0]["start"] - expected) <= tolerance, (exercise, word, said[0]["start"], expected)


def assert_chapters(data: dict, routine: Routine) -> None:
    """Every exercise has a chapter with its name, where its setup starts."""
    titles = [c["title"] for c in data["chapters"]]
    for ex in routine.exercises:
        assert ex.name in titles or f"{ex.name}, round {ex.round}" in titles
    setups = {}
    for part, exercise, side, length, run in parts(data):
        if part == "setup":
            setups.setdefault(exercise, run[0]["start"])
    for chapter in data["chapters"]:
        if chapter["title"] in setups:
            assert chapter["start"] == setups[chapter["title"]]
    starts = [c["start"] for c in data["chapters"]]
    assert starts == sorted(starts) and starts[0] == 0.0


def phase_starts(exercise, part: str, pacing: dict, length: float) -> list[tuple[float, str]]:
    """Where each breath phase of a part should begin, counted from its start.

    Phases alternate from an inhale; with hold_each, each rep starts on an inhale and
    holds still after it ("hold") before breathing on.
    """
    inhale, exhale = pacing["inhale"], pacing["exhale"]
    pause = exercise.hold_each.seconds(inhale + exhale) if part == "reps" and exercise.hold_each else 0.0
    if not pause:
        count = int(length // (inhale + exhale)) + 1
        return [(k * (inhale + exhale) + offset, phase) for k in range(count)
                for offset, phase in ((0.0, "inhale"), (inhale, "exhale"))]
    rep = rep_seconds(exercise, inhale + exhale)
    marks = []
    for k in range(exercise.reps):
        marks += [(k * rep, "inhale"), (k * rep + inhale, "hold")]
        breathed, phase = inhale, "exhale"
        while breathed < exercise.breaths_per_rep * (inhale + exhale) - 1e-9:
            marks.append((k * rep + pause + breathed, phase))
            breathed += exhale if phase == "exhale" else inhale
            phase = "inhale" if phase == "exhale" else "exhale"
    return marks


def assert_breath_marks_on_their_phases(data: dict, routine: Routine, tolerance: float = TOLERANCE) -> None:
    """Every tone, and every spoken "Inhale."/"Exhale."/"Hold.", starts exactly on its breath phase."""
    by_exercise = {e.name: e for e in routine.exercises}
    for part, exercise, side, length, run in parts(data):
        if part not in ("reps", "work", "hold", "rest"):
            continue
        start = run[0]["start"]
        marks = phase_starts(by_exercise[exercise], part, pacing_of(data, exercise), length)
        for cue in run:
            if cue["kind"] == "tone" and cue["text"] == "pulse":
                continue  # see assert_pulses_on_their_subdivisions
            phase = cue["text"] if cue["kind"] == "tone" else {"Inhale.": "inhale", "Exhale.": "exhale",
                                                               "Hold.": "hold"}.get(
                cue.get("text") if cue["kind"] == "speech" else None)
            if phase is None:
                continue
            offset = cue["start"] - start
            assert any(abs(offset - at) <= tolerance for at, kind in marks if kind == phase), (exercise, part, cue)


def assert_countdowns_keep_time(data: dict, tolerance: float = TOLERANCE) -> None:
    """A countdown says one number a second and ends as the hold begins."""
    countdown = book_of(data).countdown

    cues = data["cues"]
    for i, cue in enumerate(cues):
        if cue["part"] == "hold" and (i == 0 or cues[i - 1]["part"] != "hold"):
            spoken = [c for c in cues[:i] if c["kind"] == "speech"][-data["pacing"]["countdown"]:]
            if not data["pacing"]["countdown"] or spoken[-1]["text"] != countdown(1):
                continue
            starts = [c["start"] for c in spoken]
            assert [c["text"] for c in spoken] == [countdown(k) for k in range(len(spoken), 0, -1)]
            assert all(abs(b - a - 1.0) <= tolerance for a, b in zip(starts, starts[1:])), starts
            assert abs(cue["start"] - starts[-1] - 1.0) <= tolerance


def assert_tied_cues_in_their_phases(data: dict, routine: Routine, tolerance: float = TOLERANCE) -> None:
    """Every cue tied to a breath phase is said inside that phase, after what else is due as it begins."""
    by_exercise = {e.name: e for e in routine.exercises}
    checked = 0
    for part, name, side, length, run in parts(data):
        exercise = by_exercise.get(name)
        if exercise is None or part not in ("reps", "work", "hold"):
            continue
        pacing = pacing_of(data, name)
        tied = {cue.text: cue.on for cue in exercise.tied if cue.on}
        marks = sorted(phase_starts(exercise, part, pacing, length)) + [(length, "end")]
        start = run[0]["start"]
        for cue in run:
            if cue["kind"] != "speech" or cue["text"] not in tied:
                continue
            begin, end = cue["start"] - start, cue["end"] - start
            inside = [(at, following) for (at, kind), (following, _) in zip(marks, marks[1:])
                      if kind == tied[cue["text"]] and at - tolerance <= begin and end <= following + tolerance]
            assert inside, (name, part, cue)
            checked += 1
    assert checked, "no tied cue was found to check"


def assert_pulses_on_their_subdivisions(data: dict, routine: Routine, tolerance: float = 0.03) -> None:
    """Every pulse (a word or a tick) starts on its own even subdivision of its breath phase."""
    book = book_of(data)
    by_exercise = {e.name: e for e in routine.exercises}
    checked = 0
    for part, name, side, length, run in parts(data):
        exercise = by_exercise.get(name)
        if exercise is None or not exercise.pulses or part not in ("reps", "work", "hold"):
            continue
        pacing = pacing_of(data, name)
        # Spoken pulses in voice mode (a rep's count is said with its phase then); ticks with tones.
        words = {book.pulse(1, "inhale"), book.pulse(1, "exhale")} | {book.pulse(n, "inhale") for n in range(2, 11)} \
            if pacing["breath_cues"] == "voice" else set()
        marks = sorted(phase_starts(exercise, part, pacing, length))
        bounds = [(at, following) for (at, kind), (following, _) in zip(marks, marks[1:] + [(length, "end")])
                  if kind in ("inhale", "exhale") and at < length]
        beats = [at + (end - at) * k / exercise.pulses for at, end in bounds for k in range(exercise.pulses)]
        start = run[0]["start"]
        for cue in run:
            pulse = (cue["kind"] == "tone" and cue["text"] == "pulse") or (
                cue["kind"] == "speech" and cue["text"] in words)
            if pulse:
                offset = cue["start"] - start
                assert any(abs(offset - beat) <= tolerance for beat in beats), (name, part, cue)
                checked += 1
    assert checked, "no pulse was found to check"


def switch_quiets(data: dict, routine: Routine) -> list[tuple[str, str, float, float]]:
    """Return, for each change of side or direction, (exercise, words, quiet after them, switch time).

    The quiet runs from the end of the words ("Now the right side.") to the countdown, or to
    the start of the work if there is none.
    """
    countdown = {book_of(data).countdown(k) for k in range(1, 11)}
    by_exercise = {e.name: e for e in routine.exercises}
    found = []
    for part, exercise, side, length, run in parts(data):
        if part != "transition" or side is None:
            continue
        ex = by_exercise[exercise]
        pacing = pacing_of(data, exercise)
        switch = ex.switch.seconds(pacing["breath"]) if ex.switch is not None else data["pacing"]["transition"]
        words = [c for c in run if c["kind"] == "speech" and c["text"] not in countdown]
        counted = [c for c in run if c["kind"] == "speech" and c["text"] in countdown]
        until = counted[0]["start"] if counted else run[-1]["end"]
        found.append((exercise, words[-1]["text"], round(until - words[-1]["end"], 3), switch))
    return found


def assert_switch_time_is_quiet(data: dict, routine: Routine, tolerance: float = TOLERANCE) -> None:
    """Every change of side or direction has its whole switch time of quiet after its words, before the count."""
    quiets = switch_quiets(data, routine)
    assert quiets, "no change of side or direction"
    for exercise, words, quiet, switch in quiets:
        assert quiet >= switch - tolerance, (exercise, words, quiet, switch)
