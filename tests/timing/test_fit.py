"""Ranges and fitting a session to a target length."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks import assert_breath_counts_exact, assert_tiles
from pilates_audio import render, speech
from pilates_audio.errors import InputError
from pilates_audio.format import routine
from pilates_audio.format.units import Duration, format_clock, parse_duration, parse_range
from pilates_audio.settings import Pacing
from pilates_audio.timing import fit, walk

RANGED = """
title: Ranged
exercises:
  - name: Lift
    reps: 6-10
    hold: 30s-90s
    rest: 1-3 breaths
  - name: Plank
    hold: 3-6 breaths
    sides: both
"""


def estimate_for(pacing: Pacing):
    return lambda text: speech.engine("pyttsx3").estimate(text, pacing.rate)


@pytest.mark.parametrize(
    "text, low, high",
    [("30s-90s", Duration(30, "s"), Duration(90, "s")), ("30-90s", Duration(30, "s"), Duration(90, "s")),
     ("1-3 breaths", Duration(1, "breaths"), Duration(3, "breaths")), ("1m-2m", Duration(60, "s"), Duration(120, "s")),
     ("1.5-2.5 breaths", Duration(1.5, "breaths"), Duration(2.5, "breaths"))],
)
def test_ranges_parse(text, low, high):
    assert parse_range(text) == (low, high)


def test_a_single_duration_is_not_a_range():
    assert parse_range("20s") is None and parse_range(20) is None


@pytest.mark.parametrize(
    "text, message",
    [("3s-2 breaths", "'3s-2 breaths' mixes breaths and seconds; use one unit for both ends"),
     ("6-3 breaths", "'6-3 breaths' runs backwards; put the shorter length first")],
)
def test_bad_ranges_are_explained(text, message):
    with pytest.raises(ValueError) as info:
        parse_range(text)
    assert str(info.value) == message


def test_ranges_in_a_routine_play_at_their_low_end(write_routine):
    loaded = routine.load(write_routine(RANGED))
    lift = loaded.exercises[0]
    assert (lift.reps, lift.reps_max, lift.hold, lift.hold_max, lift.rest, lift.rest_max) == (
        6, 10, Duration(30, "s"), Duration(90, "s"), Duration(1, "breaths"), Duration(3, "breaths"))
    top = loaded.choose(1.0).exercises[0]
    assert (top.reps, top.hold, top.rest) == (10, Duration(90, "s"), Duration(3, "breaths"))
    middle = loaded.choose(0.5).exercises
    assert (middle[0].reps, middle[0].hold, middle[0].rest, middle[1].hold) == (
        8, Duration(60, "s"), Duration(2, "breaths"), Duration(5, "breaths"))  # whole breaths, as an instructor says


def test_a_range_the_author_wrote_in_half_breaths_may_be_fitted_in_half_breaths(write_routine):
    loaded = routine.load(write_routine("title: T\nexercises: [{name: A, hold: 1.5-3.5 breaths}]\n"))
    assert [loaded.choose(fill).exercises[0].hold.amount for fill in (0.0, 0.5, 0.75, 1.0)] == [1.5, 2.5, 3.0, 3.5]
    whole = routine.load(write_routine("title: T\nexercises: [{name: A, rest: 1-2 breaths, hold: 1s}]\n"))
    assert [whole.choose(fill).exercises[0].rest.amount for fill in (0.0, 0.4, 0.5, 1.0)] == [1, 1, 2, 2]


def test_a_bad_reps_range_is_reported(write_routine):
    path = write_routine("title: T\nexercises: [{name: A, reps: 10-6}]\n")
    with pytest.raises(Exception) as info:
        routine.load(path, "r.yaml")
    assert str(info.value) == "r.yaml:2:29: reps range '10-6' must run from at least 1 up to a larger number"


def test_fitting_lands_on_the_target_and_keeps_breaths_exact(write_routine):
    loaded = routine.load(write_routine(RANGED))
    pacing, _ = render.effective_pacing(loaded, {})
    for target in (150.0, 200.0, 260.0, 330.0):
        plan, fitted = render.estimated_script(loaded, pacing, target)
        data = plan.to_json()
        assert abs(data["duration"] - target) <= fit.tolerance(target)
        assert_tiles(data)
        assert_breath_counts_exact(data, fitted.routine)
        assert pacing.min_phase <= fitted.pacing.inhale <= pacing.max_phase


def test_the_users_breath_is_kept_when_the_ranges_can_do_the_work(write_routine):
    loaded = routine.load(write_routine(RANGED))
    pacing, _ = render.effective_pacing(loaded, {})
    low = render.estimated_script(loaded.choose(0.0), pacing)[0].duration / 44100
    high = render.estimated_script(loaded.choose(1.0), pacing)[0].duration / 44100
    fitted = fit.fit(loaded, pacing, (low + high) / 2, estimate_for(pacing))
    assert 0.0 < fitted.fill < 1.0
    assert abs(fitted.pacing.inhale - 4.0) <= 0.25  # whole breaths leave a little more to the breath


def test_an_unreachable_length_says_what_is_possible(write_routine):
    loaded = routine.load(write_routine(RANGED))
    pacing, _ = render.effective_pacing(loaded, {})
    with pytest.raises(InputError) as info:
        fit.fit(loaded, pacing, 3600.0, estimate_for(pacing))
    message = str(info.value)
    assert message.startswith("--length 1:00:00 is out of reach: this routine lasts from ")
    assert message.endswith(" with its ranges and a breath of 2.5s to 8s per inhale or exhale")


WORDY_CUE = "Keep your spine long and your shoulders soft and relaxed, breathing slowly and fully through the movement"


def test_a_routine_far_longer_than_the_length_says_its_shortest_and_never_a_range_that_runs_backwards(tmp_path):
    # Mostly speech: past the cap the quick bound (breath and transitions only) is far below the real length.
    exercises = "".join(f"  - name: Exercise {i}\n    reps: 1\n    cues: [\"{WORDY_CUE} {i}\", "
                        f"\"{WORDY_CUE} again {i}\", \"{WORDY_CUE} once more {i}\"]\n" for i in range(150))
    path = tmp_path / "wordy.yaml"
    path.write_text("title: Wordy\nexercises:\n" + exercises, encoding="utf-8")
    loaded = routine.load(path)
    pacing, _ = render.effective_pacing(loaded, {})
    shortest, longest = fit.reach(loaded, pacing, estimate_for(pacing), cap=2 * 600 + 600)
    assert shortest <= longest
    exact = fit.reach(loaded, pacing, estimate_for(pacing))[0]
    result = run_cli("script", path, "--length", "10m")
    assert result.code == 2
    assert result.stderr == (f"error: --length 10:00 is out of reach: this routine lasts at least "
                             f"{format_clock(exact)} with its ranges and a breath of 2.5s to 8s per inhale or exhale\n")


def test_length_on_the_command_line(write_routine, tmp_path):
    path = write_routine(RANGED)
    result = run_cli("script", path, "--json", "--length", "4m")
    assert result.code == 0
    import json

    assert abs(json.loads(result.stdout)["duration"] - 240) <= 5
    assert result.stderr.splitlines()[0].startswith(f"{path}: fitted to 4:00: 4:0")
    assert "  Lift: reps " in result.stderr
    too_long = run_cli("render", path, "--length", "2h", "-o", tmp_path / "out")
    assert too_long.code == 2
    assert too_long.stderr.startswith("error: --length 2:00:00 is out of reach: this routine lasts from ")
    assert not (tmp_path / "out").exists()


@st.composite
def ranged_routines(draw):
    exercises = []
    for i in range(draw(st.integers(1, 4))):
        exercise = {"name": f"Exercise {i + 1}"}
        if draw(st.booleans()):
            low = draw(st.integers(1, 8))
            exercise["reps"] = f"{low}-{low + draw(st.integers(0, 8))}"
            exercise["breaths_per_rep"] = draw(st.sampled_from([1, 1.5, 2]))
            if draw(st.booleans()):
                exercise["hold_each"] = draw(st.sampled_from(["2s", "2s-5s", "1.5s"]))
        if draw(st.booleans()) or "reps" not in exercise:
            low = draw(st.integers(1, 4))
            exercise["hold"] = draw(st.sampled_from([f"{low}-{low + 3} breaths", f"{low * 10}s-{low * 25}s", "20s"]))
        if draw(st.booleans()):
            exercise["rest"] = draw(st.sampled_from(["1-2 breaths", "10s-30s", "15s"]))
        if draw(st.booleans()):
            exercise["sides"] = "both"
        exercises.append(exercise)
    preset = draw(st.sampled_from(["gentle", "standard", "brisk"]))
    return {"title": "Fuzzed", "pacing": {"preset": preset}, "exercises": exercises}, draw(st.floats(0.0, 1.0))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=ranged_routines())
def test_any_reachable_target_lands_within_tolerance(case, tmp_path_factory):
    import yaml

    data, position = case
    path = tmp_path_factory.mktemp("fit") / "r.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    loaded = routine.load(path)
    pacing, _ = render.effective_pacing(loaded, {})
    estimate = estimate_for(pacing)
    low_scale, high_scale = fit.scale_bounds(pacing)
    shortest = walk.plan(loaded.choose(0.0), fit.scaled(pacing, low_scale), estimate).duration / 44100
    longest = walk.plan(loaded.choose(1.0), fit.scaled(pacing, high_scale), estimate).duration / 44100
    target = shortest + position * (longest - shortest)
    fitted = fit.fit(loaded, pacing, target, estimate)
    assert abs(fitted.seconds - target) <= fit.tolerance(target)
    plan = walk.plan(fitted.routine, fitted.pacing, estimate)
    assert abs(plan.duration / 44100 - fitted.seconds) < 1e-6
    assert_breath_counts_exact(plan.to_json(), fitted.routine)


def test_max_phase_is_kept_even_when_the_routine_breathes_slower(write_routine):
    loaded = routine.load(write_routine(RANGED.replace("title: Ranged", "title: Ranged\npacing: {exhale: 6s}")))
    pacing, _ = render.effective_pacing(loaded, {"max_phase": 5.0})
    for target in (200.0, 300.0):
        fitted = fit.fit(loaded, pacing, target, estimate_for(pacing))
        assert fitted.pacing.inhale <= 5.0 and fitted.pacing.exhale <= 5.0, fitted.pacing
        assert abs(fitted.seconds - target) <= fit.tolerance(target)


def test_the_breath_is_left_alone_when_the_ranges_land_on_the_target(write_routine):
    loaded = routine.load(write_routine(RANGED))
    pacing, _ = render.effective_pacing(loaded, {})
    low = render.estimated_script(loaded, pacing)[0].duration / 44100
    fitted = fit.fit(loaded, pacing, low + 2.0, estimate_for(pacing))
    assert (fitted.pacing.inhale, fitted.pacing.exhale) == (4.0, 4.0)
    assert fitted.fill < 0.1 and abs(fitted.seconds - (low + 2.0)) <= fit.tolerance(low + 2.0)


def test_a_rest_of_zero_is_no_rest_and_a_range_may_start_there(write_routine):
    path = write_routine("""
        title: T
        exercises:
          - {name: Plank, hold: 2 breaths, rest: 0}
          - {name: Roll up, reps: 2, rest: 0-2 breaths}
          - {name: Swan, reps: 2}
    """)
    loaded = routine.load(path)
    pacing, _ = render.effective_pacing(loaded, {})
    plan, _ = render.estimated_script(loaded, pacing)
    assert [c for c in plan.cues if c.part == "rest"] == []  # both rests are zero at their low end
    texts = [c.text for c in plan.cues if c.kind == "speech"]
    assert "And release." in texts  # the hold ends held, so the transition releases it
    top = render.estimated_script(loaded.choose(1.0), pacing)[0]
    assert [c.text for c in top.cues if c.part == "rest" and c.kind == "speech"][0] == "Rest for two breaths."
    fitted = render.estimated_script(loaded, pacing, plan.duration / 44100)[1]  # the shortest it can be
    assert fitted.describe(loaded)[1:] == ["  Roll up: no rest"]


STEPPED = """
title: Steps
exercises:
  - name: Roll up
    reps: 4-8
    breaths_per_rep: 2
  - name: Swan
    hold: 2-4 breaths
"""


def test_a_breath_given_as_a_flag_is_never_moved_by_length(write_routine):
    path = write_routine(STEPPED)
    result = run_cli("script", path, "--length", "3m", "--inhale", "3.5s", "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["pacing"]["inhale"], data["pacing"]["exhale"]) == (3.5, 4.0)
    assert abs(data["duration"] - 180) <= fit.tolerance(180)


def test_a_length_the_ranges_step_over_is_refused_with_the_nearest(write_routine):
    path = write_routine(STEPPED)
    result = run_cli("script", path, "--length", "2m", "--inhale", "4s")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: --length 2:00 is out of reach within 5 s: with its ranges and the breath you gave (--inhale and "
        "--exhale are kept as they are), the nearest this routine makes is 1:54; choose that, or leave the breath "
        "to --length\n")
    # Without the flag, the breath moves and the length is met.
    result = run_cli("script", path, "--length", "2m", "--json")
    assert result.code == 0 and abs(json.loads(result.stdout)["duration"] - 120) <= 5


@pytest.mark.parametrize("bounds", [["--min-phase", "4s"], ["--min-phase", "4s", "--max-phase", "4s"],
                                    ["--max-phase", "4.2s"]])
@pytest.mark.parametrize("length", ["2m", "2m20s", "2m50s", "3m15s"])
def test_length_lands_within_the_tolerance_or_says_why_not(write_routine, bounds, length):
    path = write_routine(STEPPED)
    result = run_cli("script", path, "--length", length, "--json", *bounds)
    target = parse_duration(length).amount
    if result.code == 0:
        assert abs(json.loads(result.stdout)["duration"] - target) <= fit.tolerance(target), result.stderr
    else:
        assert result.code == 2 and "is out of reach" in result.stderr, result.stderr
