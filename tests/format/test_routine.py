"""Routine loading and validation: every message pinned to its exact text and place."""

from pathlib import Path

import pytest

from pilates_audio.errors import ValidationError
from pilates_audio.format import Duration, Exercise, Kind, routine

ROOT = Path(__file__).resolve().parents[2]


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
    assert ex == Exercise(
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


BILINGUAL = """
    title: Bridge
    intro: {en: Find your mat., de: Legen Sie die Matte bereit.}
    exercises:
      - name: Bridge
        setup:
          en: Lie on your back, knees bent.
          de: Legen Sie sich auf den Rücken, die Knie gebeugt.
        cues:
          - {en: Lift the hips., de: Heben Sie das Becken.}
          - {say: {en: Breathe out., de: Ausatmen.}, on: exhale}
          - Long spine.
        reps: 2
    outro: {en-GB: Well done., pt-BR: Muito bem., de: Gut gemacht.}
"""


def said(routine_, language):
    from pilates_audio.settings import Pacing
    from pilates_audio import timing

    planned = timing.plan(routine_, Pacing(language=language), lambda text: 44100)
    return [cue.text for cue in planned.cues if cue.kind == "speech"]


def test_a_text_may_be_given_per_language_and_the_session_says_its_own(write_routine):
    from pilates_audio.format import localized

    loaded = routine.load(write_routine(BILINGUAL), "r.yaml")
    english, german = said(loaded, "en"), said(loaded, "de")
    assert english[:4] == ["Bridge.", "Find your mat.", "Bridge.", "Lie on your back, knees bent."]
    assert german[:4] == ["Bridge.", "Legen Sie die Matte bereit.", "Bridge.",
                          "Legen Sie sich auf den Rücken, die Knie gebeugt."]
    assert "Heben Sie das Becken." in german and "Ausatmen." in german and "Lift the hips." not in german
    assert "Long spine." in german and "Long spine." in english  # one text for every language
    assert german[-1] == "Gut gemacht."
    # A region falls back to its language and a language to a region of it: en takes en-GB's, en-US too.
    assert english[-1] == "Well done." and said(loaded, "en-US")[-1] == "Well done."
    assert localized.choose(loaded.outro.texts, "pt-BR") == "Muito bem."
    assert localized.choose(loaded.outro.texts, "pt-br") == "Muito bem."
    assert localized.choose(loaded.outro.texts, "fr") is None
    # The routine as loaded says its own language's texts; each remembers where it was written.
    assert loaded.intro == "Find your mat." and loaded.intro.place == ("r.yaml", 2, 8)
    assert loaded.exercises[0].tied[0].text == "Breathe out."


def test_a_routine_with_texts_per_language_survives_pickling(write_routine):
    import pickle

    loaded = routine.load(write_routine(BILINGUAL), "r.yaml")
    again = pickle.loads(pickle.dumps(loaded))
    assert again == loaded and said(again, "de") == said(loaded, "de")
    assert again.exercises[0].setup.place == loaded.exercises[0].setup.place == ("r.yaml", 6, 7)


def test_a_text_per_language_must_have_the_routines_language_and_only_shipped_ones(write_routine):
    expect_errors(write_routine, """
        title: T
        language: de
        intro: {en: Find your mat.}
        exercises:
          - name: Roll up
            setup: {en: Sit tall., de: Sitzen Sie aufrecht., tlh: Qapla'}
            cues: [{en: Up., xx-YY: Down.}, {say: {de: Hoch., fr: ""}, on: exhale}]
            reps: 3
        outro: {}
    """,
        "r.yaml:3:8: intro has no text in the routine's language, German (de); add de: …, or make language: one it "
        "has (en)",
        "r.yaml:6:54: setup: 'tlh' is not a language with a phrasebook; give each text under one of: de, en, es, fr, "
        "it, nl, pt-BR",
        "r.yaml:7:22: each cue: 'xx-YY' is not a language with a phrasebook; give each text under one of: de, en, es, "
        "fr, it, nl, pt-BR",
        "r.yaml:7:59: say is empty; give it some text",
        "r.yaml:9:8: outro is an empty mapping; give a text, or one per language ({en: …, de: …})",
    )


def test_a_routine_without_a_language_is_in_english_for_its_texts(write_routine):
    expect_errors(write_routine, """
        title: T
        exercises:
          - {name: Roll up, setup: {de: Sitzen Sie aufrecht.}}
    """,
        "r.yaml:3:28: setup has no text in the routine's language, English (en); add en: …, or make language: one "
        "it has (de)",
    )


def test_a_session_in_a_language_a_text_lacks_is_refused_naming_every_place(write_routine, tmp_path):
    from conftest import run_here

    write_routine(BILINGUAL)
    result = run_here(tmp_path, "script", "routine.yaml", "--language", "fr")
    missing = "no text in French (fr), the session's language; add fr: here, or render in a language it has"
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (f"routine.yaml:2:8: {missing} (en, de)\n"
                             f"routine.yaml:6:7: {missing} (en, de)\n"
                             f"routine.yaml:9:9: {missing} (en, de)\n"
                             f"routine.yaml:10:15: {missing} (en, de)\n"
                             f"routine.yaml:13:8: {missing} (en-GB, pt-BR, de)\n"
                             "5 problems found; nothing was written.\n")
    assert run_here(tmp_path, "check", "routine.yaml").code == 0  # the routine's own language is complete


def test_a_block_may_give_texts_per_language_for_the_routines_that_include_it(tmp_path):
    (tmp_path / "block.yaml").write_text("- name: Roll up\n  setup: {en: Sit tall., de: Sitzen Sie aufrecht.}\n"
                                         "  reps: 2\n", encoding="utf-8")
    (tmp_path / "de.yaml").write_text("title: T\nlanguage: de\nexercises: [include: block.yaml]\n", encoding="utf-8")
    (tmp_path / "nl.yaml").write_text("title: T\nlanguage: nl\nexercises: [include: block.yaml]\n", encoding="utf-8")
    assert routine.load(tmp_path / "de.yaml").exercises[0].setup == "Sitzen Sie aufrecht."
    assert routine.check_file(tmp_path / "block.yaml", "block.yaml")[1] == []  # on its own, any language will do
    with pytest.raises(ValidationError) as info:
        routine.load(tmp_path / "nl.yaml", "nl.yaml")
    assert [str(p) for p in info.value.problems] == [
        "block.yaml:2:10: setup has no text in the routine's language, Dutch (nl); add nl: …, or make language: one "
        "it has (en, de)"]


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
    assert loaded.exercises[0].kind == Kind(kind)


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


def test_a_routine_file_is_parsed_once_its_nodes_composed_from_the_events_its_limits_were_checked_on(
        write_routine, monkeypatch):
    import yaml

    parsed = []
    parse = yaml.parse
    monkeypatch.setattr(yaml, "parse", lambda *args, **kwargs: parsed.append(args[0]) or parse(*args, **kwargs))
    monkeypatch.setattr(yaml, "compose", None)  # a second parse of the same text
    path = write_routine("title: T\nexercises:\n  - &roll {name: Roll, reps: 3}\n  - *roll\n")
    loaded = routine.load(path, "r.yaml")
    assert [exercise.name for exercise in loaded.exercises] == ["Roll", "Roll"] and len(parsed) == 1
    # What only composing finds is still said, where it is.
    expect_errors(write_routine, "title: T\nexercises: [*nope]\n",
                  "r.yaml:2:13: invalid YAML: the alias *nope refers to no anchor &nope above it")


def test_text_shaped_like_a_date_that_is_no_date_is_text(write_routine):
    path = write_routine("title: Dates\nexercises: [{name: 2024-13-01, reps: 1}]\n")
    assert routine.load(path).exercises[0].name == "2024-13-01"
