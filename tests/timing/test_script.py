"""The timed script: golden files for the layout, and the contract checked on each."""

from __future__ import annotations

import difflib
import itertools
from pathlib import Path

import pytest

from checks import (assert_breath_counts_exact, book_of, assert_chapters, assert_counts_on_the_breath, assert_tiles,
                    assert_cues_inside_their_work, assert_tied_cues_in_their_phases)
from pilates_audio import render, speech
from pilates_audio.format import Duration, routine
from pilates_audio.timing import placement, script, tones, walk

SAMPLE_RATE = script.SAMPLE_RATE

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CASES = sorted(p.stem for p in GOLDEN.glob("*.yaml"))


def estimated(path: Path, flags: dict | None = None) -> tuple[routine.Routine, script.Script]:
    loaded = routine.load(path, path.name)
    pacing, _ = render.effective_pacing(loaded, flags or {})
    return loaded, render.estimated_script(loaded, pacing)[0]


@pytest.mark.parametrize("case", CASES)
def test_golden_script(case, request):
    """The planned script matches the golden file (regenerate with --update-golden)."""
    _, plan = estimated(GOLDEN / f"{case}.yaml")
    actual = plan.dumps()
    expected_path = GOLDEN / f"{case}.json"
    if request.config.getoption("--update-golden") or not expected_path.exists():
        expected_path.write_text(actual, encoding="utf-8")
    expected = expected_path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "expected", "actual"))
        pytest.fail(f"{case}: script differs from the golden file\n{diff}")


@pytest.mark.parametrize("case", CASES)
def test_golden_scripts_keep_the_contract(case):
    loaded, plan = estimated(GOLDEN / f"{case}.yaml")
    data = plan.to_json()
    assert_tiles(data)
    assert_breath_counts_exact(data, loaded)
    assert_counts_on_the_breath(data, loaded)
    assert_chapters(data, loaded)
    assert_cues_inside_their_work(data, loaded)


@pytest.mark.parametrize("flags", [{}, {"preset": "gentle"}, {"preset": "brisk"}, {"inhale": 2.5, "exhale": 6.0}])
def test_breath_counts_follow_the_pacing(flags):
    loaded, plan = estimated(GOLDEN / "sides-and-holds.yaml", flags)
    data = plan.to_json()
    assert_tiles(data)
    assert_breath_counts_exact(data, loaded)
    assert_counts_on_the_breath(data, loaded)


def test_a_line_of_the_tools_that_cannot_fit_grows_its_part_and_is_named(write_routine):
    path = write_routine("""
        title: T
        exercises:
          - {name: Quick, reps: 1, rest: 1s}
    """)
    loaded = routine.load(path, "t.yaml")
    pacing, _ = render.effective_pacing(loaded, {})
    plan, _ = render.estimated_script(loaded, pacing)
    assert plan.warnings == (
        f'Quick: the line "Rest for one second." does not fit in the rest; the rest grows by '
        f"{_overflow(plan, 'rest', 1.0):.1f} s",
    )
    rest = [c for c in plan.cues if c.part == "rest"]
    # grown by the overflow and a short pause after the line
    assert rest[-2].kind == "speech" and rest[-1].kind == "pause"
    assert rest[-1].length == script.samples(placement.SENTENCE_GAP)


def _overflow(plan: script.Script, part: str, seconds: float) -> float:
    cues = [c for c in plan.cues if c.part == part]
    return (cues[-1].end - cues[0].start) / script.SAMPLE_RATE - seconds


def test_rep_numbers_are_spoken_and_cues_fit_between_them(write_routine):
    path = write_routine("""
        title: T
        pacing: {breath_cues: silent}
        exercises:
          - name: Lift
            reps: 3
            cues: [Reach long.]
    """)
    _, plan = estimated(path)
    reps = [c for c in plan.cues if c.part == "reps" and c.kind == "speech"]
    assert [c.text for c in reps] == ["One.", "Reach long.", "Two.", "Last one."]


def test_spoken_breath_cues_join_the_counts_and_fill_the_phases(write_routine):
    path = write_routine("""
        title: T
        exercises:
          - name: Lift
            reps: 2
    """)
    _, plan = estimated(path)
    reps = [c for c in plan.cues if c.part == "reps" and c.kind == "speech"]
    assert [c.text for c in reps] == ["One, inhale.", "Exhale.", "Last one, inhale.", "Exhale."]
    first = reps[0].start
    assert [c.start - first for c in reps] == [0, 4 * SAMPLE_RATE, 8 * SAMPLE_RATE, 12 * SAMPLE_RATE]


def test_tones_mark_each_phase_and_a_count_follows_its_tone(write_routine):
    path = write_routine("""
        title: T
        pacing: {breath_cues: tone, inhale: 3s, exhale: 5s}
        exercises:
          - name: Lift
            reps: 2
    """)
    _, plan = estimated(path)
    reps = [c for c in plan.cues if c.part == "reps" and c.kind != "pause"]
    assert [(c.kind, c.text) for c in reps] == [
        ("tone", "inhale"), ("speech", "One."), ("tone", "exhale"),
        ("tone", "inhale"), ("speech", "Last one."), ("tone", "exhale"),
    ]
    first = reps[0].start
    tone = script.samples(tones.TONE_SECONDS)
    assert [c.start - first for c in reps] == [0, tone, 3 * SAMPLE_RATE, 8 * SAMPLE_RATE, 8 * SAMPLE_RATE + tone,
                                              11 * SAMPLE_RATE]


def test_setup_speaks_the_section_the_name_and_the_setup(write_routine):
    path = write_routine("""
        title: T
        sections:
          - name: Warm-up
            exercises:
              - {name: Roll down, setup: Stand tall., reps: 2}
              - {name: Circles, reps: 2}
    """)
    _, plan = estimated(path)
    said = [c.text for c in plan.cues if c.part in ("section", "setup") and c.kind == "speech"]
    assert said == ["Section one: Warm-up.", "Roll down.", "Stand tall.", "Circles."]
    assert [c.title for c in plan.chapters] == ["Introduction", "Warm-up", "Roll down", "Circles", "Closing"]
    assert [c.level for c in plan.chapters] == [0, 0, 1, 1, 0]
    section = next(c for c in plan.cues if c.part == "section")
    assert plan.chapters[1].start == section.start < plan.chapters[2].start


def test_a_section_with_rounds_plays_each_round_with_its_chapters(write_routine):
    path = write_routine("""
        title: T
        sections:
          - name: Warm-up
            exercises: [{name: Roll down, reps: 2}]
          - name: Circuit
            rounds: 3
            exercises:
              - {name: Plank, hold: 2 breaths}
              - {name: Swan, reps: 2}
    """)
    loaded, plan = estimated(path)
    said = [c.text for c in plan.cues if c.part == "section" and c.kind == "speech"]
    assert said == ["Section one: Warm-up.", "Section two: Circuit.", "Round one of three.", "Round two of three.",
                    "Round three of three."]
    titles = [c.title for c in plan.chapters]
    assert titles == ["Introduction", "Warm-up", "Roll down", "Circuit, round 1", "Plank, round 1", "Swan, round 1",
                      "Circuit, round 2", "Plank, round 2", "Swan, round 2", "Circuit, round 3", "Plank, round 3",
                      "Swan, round 3", "Closing"]
    data = plan.to_json()
    assert_breath_counts_exact(data, loaded)
    assert_chapters(data, loaded)
    assert len(loaded.exercises) == 7


def test_script_text_shows_a_timeline_with_the_total():
    _, plan = estimated(GOLDEN / "minimal.yaml")
    text = plan.to_text()
    lines = text.splitlines()
    assert lines[0] == "Minimal"
    assert "# Roll up" in lines
    assert any(line.startswith("00:") and "reps" in line and "One, inhale." in line for line in lines)
    total = plan.duration / script.SAMPLE_RATE
    assert lines[-1] == f"total {int(round(total)) // 60}:{int(round(total)) % 60:02d} ({total:.1f}s)"


@pytest.mark.parametrize("case", CASES)
def test_every_line_spoken_is_a_candidate_whatever_the_lengths(case):
    loaded, _ = estimated(GOLDEN / f"{case}.yaml")
    pacing, _ = render.effective_pacing(loaded, {})
    candidates = set(walk.candidate_lines(loaded, pacing))
    for length in (100, SAMPLE_RATE // 2, 3 * SAMPLE_RATE):
        spoken = set(walk.plan(loaded, pacing, lambda text: length).spoken_lines)
        assert spoken <= candidates


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("flags", [{}, {"preset": "gentle"}, {"preset": "brisk"}, {"inhale": 4.5}, {"inhale": 4.6},
                                   {"breath_cues": "tone"}, {"breath_cues": "silent", "inhale": 2.62, "exhale": 2.62}])
def test_a_plan_from_known_lengths_is_the_plan_made_once_every_candidate_is_known(case, flags):
    """A re-render with every line in the cache plans once, and gets the script it planned after loading them all."""
    loaded = routine.load(GOLDEN / f"{case}.yaml", f"{case}.yaml")
    pacing, _ = render.effective_pacing(loaded, flags)
    candidates = walk.candidate_lines(loaded, pacing)
    for length in (lambda text: 100, lambda text: SAMPLE_RATE // 4 + 997 * len(text),
                   lambda text: 3 * SAMPLE_RATE + 31 * sum(map(ord, text)) % SAMPLE_RATE):
        known = {text: length(text) for text in candidates}
        after = walk.plan(loaded, pacing, known.__getitem__)
        at_once = walk.plan_if_known(loaded, pacing, known.get)
        assert at_once is not None and at_once.dumps() == after.dumps()
        said = set(after.spoken_lines)
        for text in candidates:  # one line missing from the cache: never planned without it if it is said
            without = walk.plan_if_known(loaded, pacing, {**known, text: None}.get)
            assert without is None if text in said else without is None or without.dumps() == after.dumps(), text


def test_estimates_are_close_to_speech_lengths():
    # Known lengths of eSpeak NG clips at 155 wpm, measured from rendered sessions.
    assert abs(speech.engine("pyttsx3").estimate("Stay face down and bend your elbows out to the sides.", 155) / 44100 - 3.3) < 0.5
    assert speech.engine("pyttsx3").estimate("One.", 155) >= 0.25 * 44100


def test_durations_are_spoken_as_an_instructor_would():
    from pilates_audio.languages import phrasebook

    english = phrasebook("en")
    assert english.duration(Duration(3, "breaths")) == "three breaths"
    assert english.duration(Duration(1, "breaths")) == "one breath"
    assert english.duration(Duration(0.5, "breaths")) == "half a breath"
    assert english.duration(Duration(1.5, "breaths")) == "one and a half breaths"
    assert english.duration(Duration(90, "s")) == "one minute thirty seconds"
    assert english.duration(Duration(61, "s")) == "one minute one second"
    assert english.duration(Duration(20, "s")) == "twenty seconds"
    assert english.duration(Duration(2.4, "s")) == "2.4 seconds"
    assert english.count(21) == "Twenty-one."


def test_a_zero_transition_with_nothing_to_say_takes_no_time(write_routine):
    path = write_routine("""
        title: T
        pacing: {transition: 0s, announce_next: false}
        exercises:
          - {name: A, reps: 1}
          - {name: B, reps: 1}
    """)
    _, plan = estimated(path)
    assert [c for c in plan.cues if c.part == "transition"] == []


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("mode", ["voice", "tone", "silent"])
@pytest.mark.parametrize("phase", [2.62, 3.1, 4.0])
def test_breath_marks_stay_on_their_phases_and_counts_keep_time(case, mode, phase):
    loaded, plan = estimated(GOLDEN / f"{case}.yaml", {"breath_cues": mode, "inhale": phase, "exhale": phase})
    data = plan.to_json()
    from checks import assert_breath_marks_on_their_phases, assert_countdowns_keep_time

    assert_tiles(data)
    if not plan.warnings:  # a part only grows when a line cannot fit, and then it says so
        assert_breath_counts_exact(data, loaded)
    assert_breath_marks_on_their_phases(data, loaded)
    assert_countdowns_keep_time(data)
    assert_cues_inside_their_work(data, loaded)  # never after the work has ended, at any pace


def test_next_up_goes_wherever_it_fits_in_a_rest_or_moves_to_the_transition(write_routine):
    path = write_routine("""
        title: T
        pacing: {breath_cues: tone, inhale: 2.62s, exhale: 2.62s, guidance: full}
        exercises:
          - {name: Clam, reps: 2, rest: 10s}
          - {name: Side plank, hold: 20s, rest: 1 breath}
          - {name: Bridge with a long name to announce, reps: 1}
    """)
    _, plan = estimated(path)
    assert plan.warnings == ()
    rests = [c for c in plan.cues if c.part == "rest"]
    clam = [c for c in rests if c.exercise == "Clam"]
    assert clam[-1].end - clam[0].start == 10 * SAMPLE_RATE
    assert "Next up: Side plank." in [c.text for c in clam]
    # too short a rest: the transition after it names the next exercise instead
    plank = [c.text for c in rests if c.exercise == "Side plank"]
    assert "Next up: Bridge with a long name to announce." not in plank
    transition = [c.text for c in plan.cues if c.part == "transition" and c.kind == "speech"]
    assert "Next up: Bridge with a long name to announce." in transition


def test_an_exercise_with_only_words_leaves_a_breath_to_do_them(write_routine):
    path = write_routine("""
        title: T
        exercises:
          - {name: Breathing, cues: [Breathe deeply.]}
          - {name: Bridge, reps: 1}
    """)
    _, plan = estimated(path)
    setup = [c for c in plan.cues if c.part == "setup" and c.exercise == "Breathing"]
    assert setup[-2].text == "Breathe deeply." and setup[-1].kind == "pause"
    assert setup[-1].length == 8 * SAMPLE_RATE


@pytest.mark.parametrize("mode", ["voice", "tone", "silent"])
def test_library_routines_plan_without_anything_running_over(mode):
    for path in sorted((Path(__file__).resolve().parents[2] / "routines").glob("*.yaml")):
        _, plan = estimated(path, {"breath_cues": mode})
        assert plan.warnings == (), (path.name, plan.warnings)


def test_each_cue_is_said_in_its_own_rep_even_when_breath_words_must_give_way(write_routine):
    path = write_routine("""
        title: T
        exercises:
          - name: Pushing
            reps: 4
            cues:
              - Press the mat away to glide the shoulder blades down your back.
              - Keep your head down so your lower back stays out of it.
              - Enjoy the opening across the fronts of your shoulders.
    """)
    _, plan = estimated(path)
    reps = [c for c in plan.cues if c.part == "reps"]
    first = reps[0].start
    for i, cue in enumerate(["Press the mat", "Keep your head", "Enjoy the opening"]):
        said = next(c for c in reps if c.text and c.text.startswith(cue))
        assert i * 8 * SAMPLE_RATE < said.start - first < (i + 1) * 8 * SAMPLE_RATE
    assert plan.warnings == ()


def test_tied_cues_are_said_inside_their_phases_on_their_reps():
    loaded, plan = estimated(GOLDEN / "tied-cues.yaml")
    data = plan.to_json()
    assert_tied_cues_in_their_phases(data, loaded)
    said = [(c["exercise"], c["part"], c["text"]) for c in data["cues"] if c["kind"] == "speech"]
    assert said.count(("Roll up", "reps", "Peel up one bone at a time.")) == 5  # every rep
    assert said.count(("Roll up", "reps", "Reach for the ceiling.")) == 1  # reps: [1]
    assert said.count(("Leg circles", "reps", "Smaller circles.")) == 3  # every: 2, of 6
    assert said.count(("Swan", "hold", "Long neck.")) == 2  # every second breath of four
    # at: 4 is said as rep 4 begins, after its count.
    reps = [c for c in data["cues"] if c["exercise"] == "Leg circles" and c["part"] == "reps"]
    texts = [c.get("text") for c in reps if c["kind"] == "speech"]
    assert texts[texts.index("Now the other way.") - 1].startswith("Four")
    # The plain cue is spread over the set, never after the last rep.
    roll = [c for c in data["cues"] if c["exercise"] == "Roll up" and c["part"] == "reps"]
    assert "Keep the legs heavy." in [c.get("text") for c in roll]
    assert plan.warnings == ()


def test_a_tied_cue_too_long_for_its_phase_is_named(write_routine):
    path = write_routine("""
        title: T
        pacing: {inhale: 1.5s, exhale: 1.5s}
        exercises:
          - name: Roll up
            reps: 3
            cues: [{say: Breathe out and peel up one bone at a time until you sit tall over your legs., on: exhale}]
    """)
    _, plan = estimated(path)
    text = "Breathe out and peel up one bone at a time until you sit tall over your legs."
    (start, end), = _spans(plan, "reps", "Roll up")
    assert end - start == 3 * 3 * SAMPLE_RATE  # the reps never grow for it
    # Said in full from the first exhale on, far into the next rep; where it would run past the reps, left out.
    said = [c for c in plan.cues if c.text == text]
    assert len(said) == 1 and said[0].start == start + script.samples(1.5)
    over = said[0].end - (start + 3 * SAMPLE_RATE)
    assert plan.warnings == (  # once, however many reps
        f'Roll up: the cue "{text}" runs {over / SAMPLE_RATE:.1f} s past its exhale in the reps; shorten it, or slow '
        "the breath",
        f'Roll up: the cue "{text}" is left out at the end of the reps: said there, it would run past it; shorten it, '
        "or slow the breath")


def test_timed_work_is_announced_as_work_with_its_milestones_and_lasts_exactly():
    loaded, plan = estimated(GOLDEN / "timed-work.yaml")
    data = plan.to_json()
    assert_breath_counts_exact(data, loaded)
    work = [c for c in data["cues"] if c["part"] == "work"]
    said = [c["text"] for c in work if c["kind"] == "speech"]
    assert not [text for text in said if "old" in text]  # never "Hold"
    assert said.count("Keep going for thirty seconds, and breathe in.") == 1
    assert said.count("Keep going for ten breaths, and breathe in.") == 1
    assert said.count("Keep going for fifteen seconds, and breathe in.") == 2  # each side, the range's low end
    assert said.count("Halfway.") == 2  # the thirty seconds and the ten breaths
    assert said.count("Last few.") == 4  # every work of 15 s or more
    hundred = [c for c in work if c["exercise"] == "The Hundred"]
    last_few = next(c for c in hundred if c.get("text") == "Last few.")
    end = hundred[-1]["end"]
    assert end - 8.0 - 0.002 <= last_few["start"] < last_few["end"] <= end  # in the last breath (4 s + 4 s)
    from checks import assert_breath_marks_on_their_phases

    assert_breath_marks_on_their_phases(data, loaded)
    assert_tied_cues_in_their_phases(data, loaded)
    assert plan.warnings == ()


def test_work_ranges_are_fitted_with_the_rest(write_routine):
    loaded = routine.load(GOLDEN / "timed-work.yaml")
    pacing, _ = render.effective_pacing(loaded, {})
    low = render.estimated_script(loaded, pacing)[0].duration / SAMPLE_RATE
    plan, fitted = render.estimated_script(loaded, pacing, low + 20)
    assert fitted.routine.exercises[2].work.amount > 15
    assert any(line.strip().startswith("Side kick: work ") for line in fitted.describe(loaded))


def test_sides_alternate_rep_by_rep_reverse_repeats_and_switch_gives_time_before_the_countdown():
    loaded, plan = estimated(GOLDEN / "sides-reverse-switch.yaml")
    data = plan.to_json()
    assert_breath_counts_exact(data, loaded)
    assert_counts_on_the_breath(data, loaded)
    saw = [c["text"] for c in data["cues"] if c["exercise"] == "Saw" and c["part"] == "reps" and c["kind"] == "speech"]
    assert [text for text in saw if "," in text] == ["One, left, inhale.", "Two, right, inhale.",
                                                     "Three, left, inhale.", "Last one, right, inhale."]
    circles = [c for c in data["cues"] if c["exercise"] == "Leg circles"]
    turns = [c for c in circles if c["part"] == "transition" and c.get("text") == "Now reverse the direction."]
    assert [c["side"] for c in turns] == ["left", "right"]
    said = [c["text"] for c in circles if c["kind"] == "speech"]
    assert said.count("Keep the hips still.") == 4  # each direction of each side
    # Changing side into the plank: the words, 8 s of quiet to get there, then the count of three.
    change = [c for c in data["cues"] if c["exercise"] == "Side plank" and c["part"] == "transition"
              and c["side"] == "right"]
    said = [c for c in change if c["kind"] == "speech"]
    assert [c["text"] for c in said] == ["And release.", "Now the right side.", "Three.", "Two.", "One."]
    assert abs(said[2]["start"] - said[1]["end"] - 8.0) <= 0.002
    assert abs(change[-1]["end"] - said[2]["start"] - 3.0) <= 0.002
    assert plan.warnings == ()


def test_uncounted_alternating_reps_still_say_their_side(write_routine):
    path = write_routine("title: T\nexercises: [{name: Saw, reps: 2, sides: alternate}]\n")
    _, plan = estimated(path, {"count_reps": False})
    said = [c.text for c in plan.cues if c.part == "reps" and c.kind == "speech"]
    assert said[0] == "Left, inhale." and "Right, inhale." in said


@pytest.mark.parametrize("mode", ["voice", "tone", "silent"])
def test_pulses_land_on_their_even_subdivisions_and_change_no_length(mode):
    from checks import assert_pulses_on_their_subdivisions

    loaded, plan = estimated(GOLDEN / "pulses.yaml", {"breath_cues": mode})
    data = plan.to_json()
    assert_breath_counts_exact(data, loaded)
    hundred = [c for c in data["cues"] if c["exercise"] == "The Hundred" and c["part"] == "work"]
    if mode == "silent":
        assert [c["text"] for c in hundred if c["kind"] != "pause"] == ["Halfway.", "Last few."]
        return
    assert_pulses_on_their_subdivisions(data, loaded)
    if mode == "voice":
        said = [c["text"] for c in hundred if c["kind"] == "speech"]
        assert said[:10] == ["In.", "Two.", "Three.", "Four.", "Five.", "Out.", "Two.", "Three.", "Four.", "Five."]
        assert len(said) == 100  # ten breaths, ten phases of five
        setup = [c["text"] for c in data["cues"] if c["exercise"] == "The Hundred" and c["part"] == "setup"
                 and c["kind"] == "speech"]
        assert "Keep going for ten breaths." in setup  # said before the pulses begin
    else:
        ticks = [c for c in hundred if c["kind"] == "tone" and c["text"] == "pulse"]
        assert len(ticks) == 80  # four between each phase's breath tone and the next
    assert plan.warnings == ()


def test_pulses_too_quick_to_say_are_named(write_routine):
    path = write_routine("title: T\npacing: {inhale: 2.5s, exhale: 2.5s}\nexercises: [{name: H, work: 2 breaths, pulses: 8}]\n")
    _, plan = estimated(path)
    work = [c for c in plan.cues if c.part == "work"]
    said = len([c for c in work if c.kind == "speech"])  # pulse words only: the opening is said in the setup
    assert plan.warnings == (f"H: {2 * 2 * 8 - said} of the pulses in the work are left out: too quick to say on "
                             "their beats at this pace; slow the breath, or use breath_cues: tone",)
    from checks import assert_pulses_on_their_subdivisions

    assert_pulses_on_their_subdivisions(plan.to_json(), routine.load(path))  # those said are on their beats
    _, ticks = estimated(path, {"breath_cues": "tone"})
    assert ticks.warnings == ()


LIBRARY = sorted((Path(__file__).resolve().parents[2] / "routines").glob("*.yaml"))


@pytest.mark.parametrize("path", LIBRARY, ids=lambda path: path.stem)
def test_each_guidance_level_says_visibly_less_than_the_one_before(path):
    plans = {level: estimated(path, {"guidance": level}) for level in ("full", "standard", "minimal")}
    rates = {}
    for level, (loaded, plan) in plans.items():
        spoken = [c for c in plan.cues if c.kind == "speech"]
        rates[level] = len(spoken) / (plan.duration / SAMPLE_RATE / 60)
        data = plan.to_json()
        assert_tiles(data)
        assert_breath_counts_exact(data, loaded)
    assert rates["full"] > rates["standard"] > rates["minimal"] and rates["minimal"] < 0.6 * rates["full"], rates
    _, standard = plans["standard"]
    book = book_of(standard.to_json())  # each routine in its own language's words
    breath_words = {book.breath_cue("inhale"), book.breath_cue("exhale"), book.word("inhale"), book.word("exhale")}
    next_up = book.say("next_up", name="").strip()
    assert not [c for c in standard.cues if c.part == "rest" and c.text in breath_words]
    assert not [c for c in standard.cues if c.part == "transition" and (c.text or "").startswith(next_up)]
    loaded, minimal = plans["minimal"]
    said = {c.text for c in minimal.cues if c.kind == "speech"}
    working = [e for e in loaded.exercises if e.working]
    assert not said & {e.setup for e in working} and not said & {cue for e in working for cue in e.cues}
    assert not said & (breath_words | {book.say("halfway")}) and not [t for t in said if t.startswith(next_up)]
    assert {e.name + "." for e in loaded.exercises} <= said  # names, and the counts
    assert {book.count(1), book.count(2)} <= said


def test_an_exercise_keeps_its_own_tempo_unless_a_flag_says_otherwise(write_routine):
    path = write_routine("""
        title: T
        exercises:
          - {name: Roll up, reps: 3, pacing: {inhale: 3s, exhale: 6s, count_reps: false}}
          - {name: Swan, reps: 2, rest: 1 breath}
    """)
    loaded, plan = estimated(path)
    data = plan.to_json()
    assert data["exercise_pacing"] == {"Roll up": {"inhale": 3.0, "exhale": 6.0, "count_reps": False, "breath": 9.0}}
    assert_breath_counts_exact(data, loaded)
    assert_counts_on_the_breath(data, loaded)
    roll = [c for c in plan.cues if c.exercise == "Roll up" and c.part == "reps"]
    assert (roll[-1].end - roll[0].start) / SAMPLE_RATE == pytest.approx(27.0, abs=0.002)
    assert not [c for c in roll if c.kind == "speech" and c.text[0].isupper() and "," in c.text]  # uncounted
    swan = [c for c in plan.cues if c.exercise == "Swan" and c.part == "reps"]
    assert (swan[-1].end - swan[0].start) / SAMPLE_RATE == pytest.approx(16.0, abs=0.002)  # the session's 4s + 4s
    _, flagged = estimated(path, {"exhale": 4.5})
    assert flagged.to_json()["exercise_pacing"]["Roll up"] == {"inhale": 3.0, "count_reps": False, "breath": 7.5}
    fitted = render.estimated_script(loaded, render.effective_pacing(loaded, {})[0], plan.duration / SAMPLE_RATE + 20)
    scaled = fitted[0].to_json()
    assert scaled["exercise_pacing"]["Roll up"]["inhale"] / 3.0 == pytest.approx(scaled["pacing"]["inhale"] / 4.0,
                                                                                abs=0.01)  # scaled as the session is


def test_pacing_lists_each_exercise_with_its_own(write_routine):
    path = write_routine("title: T\nexercises: [{name: Roll up, reps: 3, pacing: {inhale: 3s, exhale: 6s}}]\n")
    from conftest import run_cli

    result = run_cli("pacing", path, "--exhale", "5s")
    assert result.stdout.splitlines()[-1] == "exercise Roll up: inhale 3s, exhale (kept at 5s by flag)"
    (path.parent / "mine.yaml").write_text("inhale: 4.5s\n", encoding="utf-8")
    result = run_cli("pacing", path, "--pacing", path.parent / "mine.yaml")
    assert result.stdout.splitlines()[-1] == (f"exercise Roll up: inhale (kept at 4.5s by pacing file "
                                              f"{path.parent / 'mine.yaml'}), exhale 6s")


def test_an_exercise_cannot_set_what_belongs_to_the_session(write_routine):
    path = write_routine("title: T\nexercises: [{name: Roll up, reps: 3, pacing: {rate: 120, inhale: 3s}}]\n")
    with pytest.raises(Exception) as info:
        routine.load(path, "r.yaml")
    assert str(info.value) == ("r.yaml:2:47: rate cannot be set for one exercise; set it in the routine's pacing (an "
                               "exercise may set inhale, exhale, breath_cues, breath_cues_every, count_reps, countdown, "
                               "halfway)")


def _spans(plan: script.Script, part: str, exercise: str) -> list[tuple[int, int]]:
    """Return where each run of a part of an exercise starts and ends, in samples, in order."""
    spans: list[tuple[int, int]] = []
    for cue in plan.cues:
        if cue.part == part and cue.exercise == exercise:
            if spans and spans[-1][1] == cue.start:
                spans[-1] = (spans[-1][0], cue.end)
            else:
                spans.append((cue.start, cue.end))
    return spans


def test_cues_with_no_room_in_timed_work_are_said_in_the_setup_and_the_work_keeps_its_length(write_routine):
    # The classical Hundred: a hundred pumps, five to each inhale and to each exhale, leave no room for words.
    path = write_routine("""
        title: T
        exercises:
          - name: The Hundred
            setup: Lie on your back, knees to the chest.
            work: 10 breaths
            pulses: 5
            cues: [Pump the arms from the shoulders., Reach long through the fingertips.]
    """)
    _, plan = estimated(path)
    (start, end), = _spans(plan, "work", "The Hundred")
    assert end - start == 10 * 8 * SAMPLE_RATE  # the routine's ten breaths of 4 s + 4 s, not one sample more
    cues = ["Pump the arms from the shoulders.", "Reach long through the fingertips."]
    said = [c for c in plan.cues if c.text in cues]
    assert [c.text for c in said] == cues
    for cue in said:  # said before the pumps begin, never after the hundredth
        assert cue.part == "setup" or start <= cue.start < cue.end <= end, cue
    assert [c.text for c in plan.cues if c.part == "setup" and c.kind == "speech"] == [
        "The Hundred.", "Lie on your back, knees to the chest.", *cues, "Keep going for ten breaths.",
        "Three.", "Two.", "One."]
    assert plan.warnings == ('The Hundred: the cues "Pump the arms from the shoulders." and "Reach long through the '
                             'fingertips." find no room in the work, so they are said in the setup',)


def test_a_cue_with_no_room_in_its_reps_is_said_once_in_the_setup_before_the_first_side(write_routine):
    path = write_routine("""
        title: T
        pacing: {inhale: 1s, exhale: 1s}
        exercises:
          - name: Quick
            reps: 2
            sides: both
            cues: [This is a very long cue that cannot possibly be said between two counts of a quick rep.]
    """)
    _, plan = estimated(path)
    for start, end in _spans(plan, "reps", "Quick"):
        assert end - start == 2 * 2 * SAMPLE_RATE
    said = [c.part for c in plan.cues if c.text and c.text.startswith("This is a very long cue")]
    assert said == ["setup"]
    assert plan.warnings == ('Quick: the cue "This is a very long cue that cannot possibly be said between two counts '
                             'of a quick rep." finds no room in the reps, so it is said in the setup',)


def test_a_tied_cue_that_would_run_past_the_end_of_its_part_is_left_out_there(write_routine):
    path = write_routine("""
        title: T
        pacing: {inhale: 3s, exhale: 3s}
        exercises:
          - name: Swan
            hold: 2 breaths
            cues: [{say: Lengthen through the crown of the head and keep the shoulders down., on: exhale}]
    """)
    _, plan = estimated(path)
    (start, end), = _spans(plan, "hold", "Swan")
    assert end - start == 2 * 6 * SAMPLE_RATE
    said = [c for c in plan.cues if c.text and c.text.startswith("Lengthen")]
    assert len(said) == 1 and start + 3 * SAMPLE_RATE <= said[0].start < said[0].end <= end  # the first exhale's only
    assert 'Swan: the cue "Lengthen through the crown of the head and keep the shoulders down." is left out at the ' \
           "end of the hold: said there, it would run past it; shorten it, or slow the breath" in plan.warnings


def test_a_cue_is_said_in_each_direction_on_each_side(write_routine):
    path = write_routine("""
        title: T
        exercises:
          - name: Single Leg Circles
            reps: 5
            reverse: true
            sides: both
            cues: [Keep the hips still., {say: Draw a small circle., on: inhale, reps: [1]}]
    """)
    _, plan = estimated(path)
    sets = _spans(plan, "reps", "Single Leg Circles")
    assert [next(c.side for c in plan.cues if c.start == start) for start, _ in sets] == ["left", "left", "right",
                                                                                          "right"]
    for text in ("Keep the hips still.", "Draw a small circle."):
        said = [c for c in plan.cues if c.text == text]
        assert [sum(start <= c.start < end for c in said) for start, end in sets] == [1, 1, 1, 1], text
    assert plan.warnings == ()


@pytest.mark.parametrize("phase, cues", [
    # Rep 1's own inhale cue leaves no time to say "Exhale." on its moment there.
    (2.62, "[{say: Reach for the ceiling., on: inhale, reps: [1]}, {say: Peel up one bone at a time., on: exhale}]"),
    # The cue runs into the next rep and pushes its count, so later reps have no time for it.
    (2.5, '[{say: "Peel up one bone at a time, reaching for your toes.", on: exhale}]'),
])
def test_the_breath_word_before_a_tied_cue_is_said_the_same_way_in_every_rep(write_routine, phase, cues):
    path = write_routine(f"""
        title: T
        pacing: {{inhale: {phase}s, exhale: {phase}s}}
        exercises:
          - {{name: Roll Up, reps: 5, cues: {cues}}}
    """)
    _, plan = estimated(path)
    spoken = [c for c in plan.cues if c.part == "reps" and c.kind == "speech"]
    before = [spoken[i - 1].text for i, c in enumerate(spoken) if c.text.startswith("Peel up")]
    assert len(before) >= 4 and "Exhale." not in before, before  # left out in every rep alike
    # Where nothing leaves it out, it is said in every rep.
    _, slower = estimated(path, {"inhale": 4.0, "exhale": 4.0})
    spoken = [c for c in slower.cues if c.part == "reps" and c.kind == "speech"]
    assert [spoken[i - 1].text for i, c in enumerate(spoken) if c.text.startswith("Peel up")] == ["Exhale."] * 5


def _lengths(seconds: dict[str, float], other: float = 0.5):
    """Return clip lengths in samples: `seconds` for the lines it names, `other` for every other line."""
    return lambda text: script.samples(seconds.get(text, other))


@pytest.mark.parametrize("over, warned", [(0.4, " runs 0.4 s past its inhale in the reps"), (0.04, None)])
def test_a_tied_cue_past_its_phase_is_named_once_by_its_exercise_from_a_noticeable_figure(write_routine, over, warned):
    path = write_routine("""
        title: T
        pacing: {inhale: 3s, exhale: 3s}
        exercises:
          - name: Ribs
            reps: 3
            sides: both
            cues: [{say: Breathe wide into the back of the ribs., on: inhale}]
    """)
    loaded = routine.load(path)
    pacing, _ = render.effective_pacing(loaded, {})
    # After its rep's count (0.5 s) and a gap (0.3 s), the cue ends `over` past its inhale of 3 s.
    cue = "Breathe wide into the back of the ribs."
    plan = walk.plan(loaded, pacing, _lengths({cue: 3.0 - 0.8 + over}))
    said = [c for c in plan.cues if c.text == cue]
    assert len(said) == 6  # every inhale, both sides
    expected = (f'Ribs: the cue "{cue}"{warned}; shorten it, or slow the breath',) if warned else ()
    assert plan.warnings == expected  # once, not once per side or per rep


def test_a_breath_word_before_a_tied_cue_stays_when_the_cue_still_ends_on_time(write_routine):
    path = write_routine("""
        title: T
        pacing: {inhale: 3s, exhale: 3s}
        exercises:
          - name: Swan
            hold: 3 breaths
            cues: [{say: Long neck., on: exhale, reps: [1, 2]}]  # not the last, which would run past the hold
    """)
    loaded = routine.load(path)
    pacing, _ = render.effective_pacing(loaded, {})
    # "Exhale." (0.5 s), a gap (0.3 s), then the cue: 0.02 s past the exhale, which no one hears.
    plan = walk.plan(loaded, pacing, _lengths({"Long neck.": 3.0 - 0.8 + 0.02}))
    spoken = [c.text for c in plan.cues if c.part == "hold" and c.kind == "speech"]
    assert [spoken[i - 1] for i, text in enumerate(spoken) if text == "Long neck."] == ["Exhale."] * 2
    assert plan.warnings == ()
    # Where "Exhale." would push the cue past its phase, the cue is said on the exhale without it.
    plan = walk.plan(loaded, pacing, _lengths({"Long neck.": 2.9}))
    spoken = [c.text for c in plan.cues if c.part == "hold" and c.kind == "speech"]
    assert spoken.count("Long neck.") == 2 and spoken.count("Exhale.") == 1  # the third exhale's, with no cue
    assert plan.warnings == ()


def test_tied_cues_in_the_hundred_stay_inside_its_work_and_the_pulses_they_cover_are_named_as_such(write_routine):
    path = write_routine("""
        title: T
        exercises:
          - name: The Hundred
            work: 10 breaths
            pulses: 5
            cues:
              - {say: Pump the arms from the shoulders., on: inhale}
              - {say: Reach long through the fingertips., on: exhale, every: 2}
    """)
    loaded, plan = estimated(path)
    (start, end), = _spans(plan, "work", "The Hundred")
    assert end - start == 10 * 8 * SAMPLE_RATE
    tied = [c for c in plan.cues if c.text in ("Pump the arms from the shoulders.", "Reach long through the fingertips.")]
    assert len(tied) == 15 and all(start <= c.start < c.end <= end for c in tied)
    assert_tied_cues_in_their_phases(plan.to_json(), loaded)
    pulses = [c for c in plan.cues if c.part == "work" and c.kind == "speech" and c not in tied]
    assert plan.warnings == (f"The Hundred: {100 - len(pulses)} of the pulses in the work are left out where its tied "
                             "cues are said; tie fewer cues to the breath, or make them plain cues",)


def test_a_rep_a_range_leaves_out_is_named_once_by_its_exercise(write_routine):
    path = write_routine("""
        title: T
        exercises:
          - {name: Leg circles, reps: 6-10, sides: both, reverse: true, cues: [{say: Now the other way., at: 8}]}
    """)
    _, plan = estimated(path)
    assert "Now the other way." not in [c.text for c in plan.cues]
    assert plan.warnings == ('Leg circles: the cue "Now the other way." is said at rep 8, but there are 6 reps this '
                             "time; it is left out",)


SWITCHES = """\
title: Switch
pacing: {preset: gentle}
exercises:
  - {name: Leg circles, reps: 3, sides: both}
  - {name: Leg circles again, reps: 2, reverse: true, sides: both, switch: 1 breath}
  - {name: Side bend, work: 20s, sides: both}
  - {name: Mermaid, hold: 30s, sides: both}
  - {name: Thread the needle, hold: 3 breaths, sides: both}
  - {name: Side plank, hold: 20s, sides: both, switch: 8s}
"""


@pytest.mark.parametrize("preset", ["gentle", "standard", "brisk"])
def test_each_change_of_side_or_direction_has_its_whole_switch_time_before_the_count(write_routine, preset):
    """Reps, timed work, holds in seconds and in breaths: the words, then `switch` of quiet, then the count."""
    path = write_routine(SWITCHES)
    loaded, plan = estimated(path, {"preset": preset})
    data = plan.to_json()
    from checks import assert_switch_time_is_quiet, switch_quiets

    assert_switch_time_is_quiet(data, loaded)
    quiets = switch_quiets(data, loaded)
    # Every exercise changes side once; the reversing one also turns round on each side.
    assert [q[0] for q in quiets] == ["Leg circles", "Leg circles again", "Leg circles again", "Leg circles again",
                                      "Side bend", "Mermaid", "Thread the needle", "Side plank"]
    assert_tiles(data)
    assert_breath_counts_exact(data, loaded)
    assert_counts_on_the_breath(data, loaded)


FIXTURES = Path(__file__).resolve().parents[1] / "routines"


def _close_lines(plan: script.Script, under: float = 0.35, among: set[str] | None = None) -> int:
    """Count the lines that start less than `under` seconds after the one before ends (one of them in `among`)."""
    sounds = [c for c in plan.cues if c.kind != "pause"]
    return sum((b.start - a.end) / SAMPLE_RATE < under and (among is None or bool({a.text, b.text} & among))
               for a, b in zip(sounds, sounds[1:]))


def test_a_gentle_stretch_names_the_first_breath_and_then_every_third():
    """The gentle preset's breath_cues_every: 3 leaves the stretch room to breathe."""
    path = FIXTURES / "morning-stretch.yaml"
    _, every = estimated(path, {"breath_cues_every": 1})
    loaded, gentle = estimated(path)
    assert gentle.pacing.preset == "gentle" and gentle.pacing.breath_cues_every == 3
    book = book_of(gentle.to_json())
    words = {book.breath_cue("inhale"), book.breath_cue("exhale")}
    counts = {book.rep_line(n, last, phase) for n in range(1, 6) for last in (False, True)
              for phase in ("inhale", "exhale")}
    # Naming every breath, a line follows within 0.35 s of another 24 times in these ten
    # minutes, 17 of them by a breath word; every third breath, 19 and 12. The rest are
    # the author's cues, said as their count or their first breath ends.
    assert _close_lines(every) >= 20 and _close_lines(gentle) <= _close_lines(every) - 5
    assert _close_lines(gentle, among=words | counts) <= _close_lines(every, among=words | counts) * 3 // 4
    breath = gentle.pacing.breath * SAMPLE_RATE
    named = set()
    for (part, name, side), run in itertools.groupby(gentle.cues, key=lambda c: (c.part, c.exercise, c.side)):
        run = list(run)
        if part in ("reps", "work", "hold"):
            named |= {int((c.start - run[0].start) // breath) for c in run if c.text in words}
    assert named == {0, 3}  # the first breath of each part and the fourth: no hold here lasts seven
    data = gentle.to_json()
    assert_tiles(data)
    assert_breath_counts_exact(data, loaded)
    assert_counts_on_the_breath(data, loaded)


def test_breath_cues_every_second_breath_names_the_counts_on_those_breaths_only(write_routine):
    path = write_routine("title: T\nexercises: [{name: Roll up, reps: 5}]\n")
    _, plan = estimated(path, {"breath_cues_every": 2})
    said = [c.text for c in plan.cues if c.part == "reps" and c.kind == "speech"]
    assert said == ["One, inhale.", "Exhale.", "Two.", "Three, inhale.", "Exhale.", "Four.", "Last one, inhale.",
                    "Exhale."]


KINDS = """\
title: Kinds
exercises:
  - {name: Child's pose, hold: 1m}
  - {name: Side stretch, hold: 40s, sides: both}
  - {name: Thread the needle, hold: 40s, sides: both, kind: stretch}
  - {name: Knee sways, work: 40s, kind: stretch}
  - {name: Plank, hold: 40s, sides: both}
  - {name: Shoulder bridge, work: 40s}
"""


def _said(plan: script.Script, exercise: str) -> list[str]:
    """Return what is said from an exercise's setup to its end, with the transition into it."""
    return [c.text for c in plan.cues if c.exercise == exercise and c.kind == "speech"]


@pytest.mark.parametrize("preset", ["gentle", "standard"])
def test_rests_and_stretches_are_not_counted_in_nor_told_halfway(write_routine, preset):
    loaded, plan = estimated(write_routine(KINDS), {"preset": preset})
    book = book_of(plan.to_json())
    effort = {book.countdown(3), book.countdown(2), book.countdown(1), book.say("halfway"), book.say("last_few")}
    assert [e.kind.value for e in loaded.exercises] == ["rest", "stretch", "stretch", "stretch", "effort", "effort"]
    for name in ("Child's pose", "Side stretch", "Thread the needle", "Knee sways"):
        assert not set(_said(plan, name)) & effort, name
    for name in ("Plank", "Shoulder bridge"):
        assert {book.countdown(1), book.say("halfway")} <= set(_said(plan, name)), name
    # A rest pose is announced as a rest, and is as quiet as one below full guidance.
    child = _said(plan, "Child's pose")
    assert child == ["Child's pose.", "Rest for one minute."]
    assert "Hold for forty seconds, and breathe in." in _said(plan, "Side stretch")
    data = plan.to_json()
    assert_tiles(data)
    assert_breath_counts_exact(data, loaded)


@pytest.mark.parametrize("dose, said", [("rest: 3 breaths", ["Rest for three breaths.", "Next up: Cat."]),
                                         ("hold: 3 breaths", ["Rest for three breaths."])])
def test_a_rest_says_rest_for_three_breaths_once(write_routine, dose, said):
    """An exercise named Rest is announced by its rest alone: not "Rest." and then "Rest for three breaths."."""
    path = write_routine(f"title: T\nexercises:\n  - {{name: Swan, reps: 2}}\n  - {{name: Rest, {dose}}}\n"
                         "  - {name: Cat, reps: 2}\n")
    loaded, plan = estimated(path)
    assert _said(plan, "Rest") == said
    assert [c.title for c in plan.chapters] == ["Introduction", "Swan", "Rest", "Cat", "Closing"]
    data = plan.to_json()
    assert_tiles(data)
    assert_breath_counts_exact(data, loaded)
    assert_chapters(data, loaded)


NOT_EFFORT = {
    "classical-mat": {"Mermaid stretch": "stretch", "Child's pose": "rest"},
    "morning-stretch": {"Breathing": "stretch", "Child's pose": "rest", "Thread the needle": "stretch",
                        "Seated spine twist": "stretch", "Side stretch": "stretch", "Forward fold": "stretch",
                        "Resting on the back": "rest"},
}


@pytest.mark.parametrize("preset", ["gentle", "standard"])
@pytest.mark.parametrize("fixture", sorted(NOT_EFFORT))
def test_the_sample_classes_change_sides_in_quiet_and_keep_effort_words_for_effort(fixture, preset):
    """A classical mat class and a gentle morning stretch, as a person on the mat hears them."""
    from checks import assert_switch_time_is_quiet

    loaded, plan = estimated(FIXTURES / f"{fixture}.yaml", {"preset": preset})
    data = plan.to_json()
    assert plan.warnings == ()
    assert {e.name: e.kind.value for e in loaded.exercises if not e.effort} == NOT_EFFORT[fixture]
    assert_switch_time_is_quiet(data, loaded)
    book = book_of(data)
    effort = {book.countdown(k) for k in range(1, 11)} | {book.say("halfway"), book.say("last_few")}
    said = {}
    for cue in data["cues"]:
        if cue["kind"] == "speech" and cue["exercise"] is not None:
            said.setdefault(cue["exercise"], []).append(cue["text"])
    for name in NOT_EFFORT[fixture]:
        assert not set(said[name]) & effort, (name, said[name])
    # The efforts are still counted in, so the check above has something to find.
    held = [e.name for e in loaded.exercises if e.effort and e.reps is None]
    assert held and all(book.countdown(1) in said[name] for name in held)
    assert_tiles(data)
    assert_breath_counts_exact(data, loaded)
    assert_counts_on_the_breath(data, loaded)
    assert_chapters(data, loaded)
    assert_tied_cues_in_their_phases(data, loaded)


def test_plain_cues_in_a_hold_are_spread_over_its_breaths(write_routine):
    path = write_routine("""
        title: T
        exercises:
          - name: Breathing
            hold: 6 breaths
            cues: [Breathe into the back of the ribs., Let the shoulders soften.]
    """)
    _, plan = estimated(path)
    (start, end), = _spans(plan, "hold", "Breathing")
    breath = 8 * SAMPLE_RATE
    said = [c for c in plan.cues if c.kind == "speech" and c.text in
            ("Breathe into the back of the ribs.", "Let the shoulders soften.")]
    # The first in the first breath, the second half way through: not both in the first two breaths.
    assert [(c.start - start) // breath for c in said] == [0, 3]
    assert all(start <= c.start and c.end <= end for c in said)


def test_a_rest_pose_with_a_rest_after_it_says_rest_once(write_routine):
    path = write_routine("""
        title: T
        exercises:
          - {name: Child's pose, hold: 4 breaths, rest: 2 breaths, setup: Sit back onto the heels.}
          - {name: Swan, reps: 3}
    """)
    _, plan = estimated(path)
    said = [c.text for c in plan.cues if c.kind == "speech" and c.exercise == "Child's pose"]
    assert [text for text in said if "rest" in text.casefold()] == ["Rest for four breaths."]
    rests = _spans(plan, "rest", "Child's pose")
    assert [end - start for start, end in rests] == [2 * 8 * SAMPLE_RATE]  # the rest is still there, in quiet
