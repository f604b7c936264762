"""Routine loading and validation: every message pinned to its exact text and place."""

from pathlib import Path

import pytest

from pilates_audio import routine
from pilates_audio.errors import ValidationError
from pilates_audio.units import Duration

ROOT = Path(__file__).resolve().parent.parent


def expect_errors(write_routine, text: str, *expected: str) -> None:
    """Check that a routine gives exactly these problems, in order, as path:line:col: message."""
    path = write_routine(text)
    with pytest.raises(ValidationError) as info:
        routine.load(path, "r.yaml")
    assert [str(p) for p in info.value.problems] == list(expected)


def test_a_full_routine_loads(write_routine):
    path = write_routine("""
        title: Upper Back
        description: Six moves.
        instructor: Sam
        voice: en-us
        pacing: {preset: gentle, inhale: 5s}
        intro: Hello.
        exercises:
          - name: Inverted arms up
            setup: Lie face down.
            cues: [Look down., Press the hands up.]
            reps: 8
            breaths_per_rep: 2
            hold: 3 breaths
            sides: [right, left]
            rest: 20s
        outro: Bye.
    """)
    loaded = routine.load(path)
    assert loaded.title == "Upper Back" and loaded.name == "routine"
    assert dict(loaded.pacing) == {"preset": "gentle", "inhale": 5.0, "voice": "en-us"}
    ex = loaded.exercises[0]
    assert ex == routine.Exercise(
        name="Inverted arms up", setup="Lie face down.", cues=("Look down.", "Press the hands up."), reps=8,
        breaths_per_rep=2.0, hold=Duration(3, "breaths"), sides=("right", "left"), rest=Duration(20, "s"),
    )


def test_sections_group_exercises(write_routine):
    path = write_routine("""
        title: T
        sections:
          - name: Warm-up
            exercises: [{name: A, reps: 2}]
          - name: Main
            exercises: [{name: B, hold: 20s}, {name: C, reps: 1}]
    """)
    loaded = routine.load(path)
    assert [(e.name, e.section) for e in loaded.exercises] == [("A", "Warm-up"), ("B", "Main"), ("C", "Main")]


def test_every_routine_in_the_library_checks():
    for path in sorted((ROOT / "routines").glob("*.yaml")):
        routine.load(path)


def test_unknown_keys_get_a_suggestion(write_routine):
    expect_errors(write_routine, """
        title: T
        exercises:
          - name: A
            hodl: 3 breaths
            colour: red
    """,
        "r.yaml:4:5: unknown key 'hodl'; did you mean 'hold'?",
        "r.yaml:5:5: unknown key 'colour'; exercise keys are: name, kind, setup, cues, reps, breaths_per_rep, hold_each, work, hold, pulses, sides, reverse, switch, rest, pacing",
    )


def test_unknown_top_level_and_pacing_keys(write_routine):
    expect_errors(write_routine, """
        title: T
        titel: U
        pacing: {inhail: 5s}
        exercises: [{name: A}]
    """,
        "r.yaml:2:1: unknown key 'titel'; did you mean 'title'?",
        "r.yaml:3:10: unknown key 'inhail'; did you mean 'inhale'?",
    )


def test_duplicate_keys_are_errors(write_routine):
    expect_errors(write_routine, """
        title: T
        exercises:
          - name: A
            reps: 5
            reps: 6
        title: U
    """,
        "r.yaml:5:5: duplicate key 'reps' (first given on line 4)",
        "r.yaml:6:1: duplicate key 'title' (first given on line 1)",
    )


def test_yes_no_and_numbers_are_not_names(write_routine):
    expect_errors(write_routine, """
        title: yes
        exercises:
          - name: no
          - name: 100
          - name: 2024-01-01
    """,
        'r.yaml:1:8: title must be text, but YAML reads yes as a yes/no value; put it in quotes: "yes"',
        'r.yaml:3:11: name must be text, but YAML reads no as a yes/no value; put it in quotes: "no"',
        'r.yaml:4:11: name must be text, but YAML reads 100 as a number; put it in quotes: "100"',
        'r.yaml:5:11: name must be text, but YAML reads 2024-01-01 as a date; put it in quotes: "2024-01-01"',
    )


def test_quoted_yes_is_a_fine_name(write_routine):
    path = write_routine('title: "yes"\nexercises: [{name: "100", reps: 1}]\n')
    assert routine.load(path).exercises[0].name == "100"


def test_missing_required_keys(write_routine):
    expect_errors(write_routine, """
        description: no title
        exercises:
          - reps: 5
    """,
        "r.yaml:1:1: missing required key 'title'",
        "r.yaml:3:5: missing required key 'name'",
    )
    expect_errors(write_routine, "title: T\n", "r.yaml:1:1: missing required key 'exercises' (or 'sections')")


def test_bad_values_are_all_reported_at_once(write_routine):
    expect_errors(write_routine, """
        title: T
        exercises:
          - name: A
            reps: 0
            hold: 3 breathz
            rest: -2
            sides: up
            breaths_per_rep: many
            cues: [ok, [nested]]
          - name: ""
            setup: 12
    """,
        "r.yaml:4:11: reps must be a whole number, at least 1",
        "r.yaml:5:11: hold: '3 breathz' is not a duration; use seconds (20s), minutes (1m, 1m30s), a number of seconds, or breaths (3 breaths)",
        "r.yaml:6:11: rest: '-2' must be more than zero",
        "r.yaml:7:12: sides must be both, [left, right], [right, left] or alternate",
        "r.yaml:8:22: breaths_per_rep must be a number more than zero",
        "r.yaml:9:16: each cue must be text, not a list",
        "r.yaml:10:11: name is empty; give it some text",
        'r.yaml:11:12: setup must be text, but YAML reads 12 as a number; put it in quotes: "12"',
    )


def test_structure_errors(write_routine):
    expect_errors(write_routine, "- just\n- a list\n",
                  "r.yaml:1:1: a routine must be a mapping with keys such as title and exercises, not a list")
    expect_errors(write_routine, "title: T\nexercises: []\n", "r.yaml:2:12: exercises is empty; list at least one exercise")
    expect_errors(write_routine, "title: T\nexercises: [3]\n", "r.yaml:2:13: each exercise must be a mapping with at least a name")
    expect_errors(write_routine, "title: T\nexercises: [{name: A}]\nsections: []\n",
                  "r.yaml:3:1: use either exercises or sections, not both")
    expect_errors(write_routine, "title: T\npacing: slow\nexercises: [{name: A}]\n",
                  "r.yaml:2:9: pacing must be a mapping of settings, such as {inhale: 5s, exhale: 5s}")


def test_sides_need_something_to_repeat(write_routine):
    expect_errors(write_routine, "title: T\nexercises: [{name: A, sides: both}]\n",
                  "r.yaml:2:30: sides needs reps, work or a hold to repeat on each side")


def test_voice_given_twice(write_routine):
    expect_errors(write_routine, "title: T\nvoice: en-us\npacing: {voice: en-gb}\nexercises: [{name: A}]\n",
                  "r.yaml:2:8: voice is given both here and in pacing; keep one")


def test_pacing_values_are_checked(write_routine):
    expect_errors(write_routine, "title: T\npacing: {preset: slow, rate: 10, inhale: 2 breaths}\nexercises: [{name: A}]\n",
        "r.yaml:2:18: preset: unknown preset 'slow'; choose one of: gentle, standard, brisk",
        "r.yaml:2:30: rate 10 is out of range; use 60 to 450 words per minute",
        "r.yaml:2:42: inhale: '2 breaths' cannot be counted in breaths; use seconds (4s)",
    )


def test_a_missing_file(tmp_path):
    with pytest.raises(ValidationError) as info:
        routine.load(tmp_path / "nope.yaml", "nope.yaml")
    assert str(info.value) == "nope.yaml:1:1: no such file"


def test_problems_from_several_files_come_together(tmp_path):
    (tmp_path / "a.yaml").write_text("title: A\nexercises: [{name: X, reps: -1}]\n")
    (tmp_path / "b.yaml").write_text("exercises: [{name: Y}]\n")
    with pytest.raises(ValidationError) as info:
        routine.load_all([tmp_path / "a.yaml", tmp_path / "b.yaml"])
    messages = [f"{Path(p.path).name}:{p.line}:{p.column}: {p.message}" for p in info.value.problems]
    assert messages == ["a.yaml:2:29: reps must be a whole number, at least 1", "b.yaml:1:1: missing required key 'title'"]


@pytest.mark.parametrize("exercise, kind", [
    ("{name: Child's pose, hold: 1m}", "rest"),
    ("{name: Child’s Pose, hold: 1m}", "rest"),
    ("{name: Rest, rest: 3 breaths}", "rest"),
    ("{name: Savasana, hold: 3m}", "rest"),
    ("{name: Relaxation, hold: 2m}", "rest"),
    ("{name: Side stretch, hold: 30s}", "stretch"),
    ("{name: Roll down, hold: 3 breaths}", "stretch"),
    ("{name: Seated spine twist, hold: 3 breaths, sides: both}", "stretch"),
    ("{name: Breathing, hold: 5 breaths}", "stretch"),
    ("{name: Single leg stretch, reps: 8}", "effort"),
    ("{name: Side stretch, work: 30s}", "effort"),
    ("{name: Plank, hold: 30s}", "effort"),
    ("{name: Forest walk, work: 1m}", "effort"),
    ("{name: Plank, hold: 30s, kind: stretch}", "stretch"),
    ("{name: Child's pose, hold: 1m, kind: effort}", "effort"),
    ("{name: Mermaid, hold: 30s, kind: rest}", "rest"),
])
def test_the_kind_is_as_written_or_as_the_name_and_dose_say(write_routine, exercise, kind):
    loaded = routine.load(write_routine(f"title: T\nexercises:\n  - {exercise}\n"), "r.yaml")
    assert loaded.exercises[0].kind == routine.Kind(kind)


def test_an_unknown_kind_lists_the_choices(write_routine):
    expect_errors(write_routine, """
        title: T
        exercises:
          - {name: A, hold: 3 breaths, kind: yoga}
          - {name: B, hold: 3 breaths, kind: }
          - {name: C, hold: 3 breaths, kind: {is: rest}}
    """,
        "r.yaml:3:38: unknown kind 'yoga'; choose one of: stretch, rest, effort",
        "r.yaml:4:37: kind is empty; choose one of: stretch, rest, effort",
        "r.yaml:5:38: kind must be one word, not a mapping; choose one of: stretch, rest, effort",
    )
