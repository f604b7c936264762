"""Placing a part's lines: pure functions over lines, and the warnings worded from what they return."""

from __future__ import annotations

from pilates_audio.timing import placement, warnings
from pilates_audio.timing.placement import Line
from pilates_audio.timing.script import SAMPLE_RATE, Cue

SECOND = SAMPLE_RATE


def by_length(seconds: dict[str, float]):
    return lambda text: int(seconds[text] * SECOND)


def test_a_plain_cue_with_no_room_is_returned_unfit_and_a_droppable_one_is_left_out():
    lines = [Line(0, "Roll up.", movable=True, role="cue"), Line(0, "Halfway.", role="cue", droppable=True),
             Line(0, "Count.")]
    laid = placement.place(lines, 2 * SECOND, by_length({"Roll up.": 1.5, "Halfway.": 1.0, "Count.": 1.0}), SECOND)
    assert [line.text for line in laid.lines] == ["Count."]
    assert laid.unfit == ["Roll up."]


def test_cues_fit_into_the_gaps_after_what_is_due():
    lines = [Line(0, "One."), Line(0, "Reach long.", role="cue")]
    laid = placement.place(lines, 5 * SECOND, by_length({"One.": 1.0, "Reach long.": 1.0}), SECOND)
    assert [(line.text, line.start) for line in laid.lines] == [("One.", 0), ("Reach long.", int(1.3 * SECOND))]
    assert laid.unfit == []


def test_a_pulse_off_its_beat_is_counted_as_dropped_and_worded():
    lines = [Line(0, "In.", pulse=True), Line(SECOND // 2, "Two.", pulse=True)]
    laid = placement.place(lines, 4 * SECOND, by_length({"In.": 1.0, "Two.": 0.5}), SECOND)
    assert laid.due.pulses_dropped == 1
    assert warnings.left_out("Hundred", "work", laid.due) == [
        "Hundred: 1 of the pulses in the work are left out: too quick to say on their beats at this pace; slow the "
        "breath, or use breath_cues: tone"]


def test_a_tied_cue_past_its_phase_is_worded_once_with_the_most_it_runs_over():
    early = Line(0, "Lift.", tied=True, phase="inhale", until=SECOND)
    later = Line(3 * SECOND, "Lift.", tied=True, phase="inhale", until=4 * SECOND + SECOND // 2)
    laid = placement.place([early, later], 8 * SECOND, by_length({"Lift.": 2.0}), SECOND)
    assert warnings.left_out("Swan", "reps", laid.due) == [
        'Swan: the cue "Lift." runs 1.0 s past its inhale in the reps; shorten it, or slow the breath']


def test_the_lines_that_grow_a_part_are_named_with_the_growth():
    over = [Line(0, "Breathe wide.", role="cue"), Line(0, "Ribs soft.", role="cue")]
    assert warnings.grown("Saw", "reps", over, SECOND) == (
        'Saw: the cues "Breathe wide." and "Ribs soft." do not fit in the reps; the reps grow by 1.6 s')
    assert warnings.grown(None, "hold", over[:1] + [Line(0, "Three.")], SECOND // 2) == (
        'the lines "Breathe wide." and "Three." do not fit in the hold; the hold grows by 1.1 s')


def test_a_sliver_of_pause_joins_the_pause_beside_it():
    cues = [Cue(0, 100, "speech", "setup", None, text="Hi."), Cue(100, 120, "pause", "setup", None),
            Cue(120, 5000, "pause", "reps", "Saw")]
    assert placement.join_slivers(cues) == [cues[0], Cue(100, 5000, "pause", "reps", "Saw")]


def test_a_first_fit_skips_past_what_is_placed():
    placed = [Line(0, "a", start=0, length=SECOND), Line(0, "b", start=2 * SECOND, length=SECOND)]
    gap = SECOND // 10
    assert placement.first_fit(placed, 0, SECOND // 2, gap, 10 * SECOND) == SECOND + gap
    assert placement.first_fit(placed, 0, 2 * SECOND, gap, 10 * SECOND) == 3 * SECOND + gap
