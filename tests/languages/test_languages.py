"""Languages: every phrasebook complete and consistent with English, numbers and plurals from their libraries."""

from __future__ import annotations

import string

import pytest

from pilates_audio import languages
from pilates_audio.format import Duration

SHIPPED = languages.shipped()


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_english_is_shipped_and_is_the_default():
    assert "en" in SHIPPED and languages.DEFAULT == "en"


@pytest.mark.parametrize("tag", SHIPPED)
def test_every_phrasebook_has_every_phrase_with_the_same_placeholders(tag):
    english, book = languages.phrasebook("en"), languages.phrasebook(tag)
    assert book.tag == tag and len(book.iso639_2) == 3 and book.name
    assert set(book.phrases) == set(english.phrases), f"{tag}: phrases missing or extra"
    for key, text in english.phrases.items():
        assert placeholders(book.phrases[key]) == placeholders(text), f"{tag}: {key}"
        assert book.phrases[key].strip(), f"{tag}: {key} is empty"
    assert set(book.chapters) == set(english.chapters)
    assert set(book.units) == set(languages.UNITS)
    for unit, forms in book.units.items():
        assert set(forms) <= set(languages.UNIT_FORMS), f"{tag}: {unit} has forms CLDR does not name"
        assert {"other", "half", "and_a_half"} <= set(forms), f"{tag}: {unit}"
        assert placeholders(forms["half"]) == set(), f"{tag}: {unit} half"
        for form in set(forms) - {"half", "endings", "exact"}:
            assert placeholders(forms[form]) <= {"number"}, f"{tag}: {unit} {form}"
        for amount, phrase in (forms.get("exact") or {}).items():
            assert float(amount) > 0 and isinstance(phrase, str) and not placeholders(phrase), f"{tag}: {unit}"
        for ending, replacement in (forms.get("endings") or {}).items():
            assert isinstance(ending, str) and isinstance(replacement, str), f"{tag}: {unit} endings"


def shape(value: object) -> object:
    """Return a value's keys and lengths, nested, without its words."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


@pytest.mark.parametrize("tag", SHIPPED)
def test_every_phrasebook_has_the_starters_lines_as_english_does(tag):
    english, book = languages.phrasebook("en"), languages.phrasebook(tag)
    assert shape(dict(book.starter)) == shape(dict(english.starter)), f"{tag}: starter lines missing or extra"


@pytest.mark.parametrize("tag", SHIPPED)
def test_every_language_says_every_amount_and_number_a_session_uses(tag):
    book = languages.phrasebook(tag)
    for amount in (Duration(1, "breaths"), Duration(2, "breaths"), Duration(5, "breaths"), Duration(0.5, "breaths"),
                   Duration(1.5, "breaths"), Duration(20, "s"), Duration(60, "s"), Duration(90, "s"),
                   Duration(2.4, "s")):
        said = book.duration(amount)
        assert said and "{" not in said, (tag, amount)
    for n in (1, 2, 5, 10, 21, 100):
        assert book.count(n)[:1].isupper()
    assert book.section(2, "Core").endswith(".") and book.next_up("Roll up").endswith(".")


def test_a_language_tag_finds_its_phrasebook_or_is_refused_with_the_list():
    assert languages.resolve("en") == "en"
    assert languages.resolve("en-GB") == "en"  # the language's own phrasebook serves its regions
    assert languages.resolve("EN") == "en"
    with pytest.raises(ValueError) as caught:
        languages.resolve("tlh")
    assert str(caught.value) == f"no phrasebook for language 'tlh'; shipped languages: {', '.join(SHIPPED)}"
    with pytest.raises(ValueError) as caught:
        languages.resolve("english please")
    assert str(caught.value) == "'english please' is not a language tag; give one such as de, es or pt-BR"


def test_numbers_and_plurals_come_from_their_libraries_not_english_rules():
    english = languages.phrasebook("en")
    assert english.number(21) == "twenty-one" and english.number(105) == "one hundred and five"
    assert english.number(1234) == "one thousand two hundred and thirty-four"  # spoken: no commas
    assert english.amount(1, "breath") == "one breath" and english.amount(2, "breath") == "two breaths"


def test_a_unit_can_make_its_numbers_agree_and_say_particular_amounts_its_own_way():
    book = languages.phrasebook("en")
    french_like = {"other": "{number} secondes", "one": "{number} seconde", "half": "une demi-seconde",
                   "and_a_half": "{number} secondes et demie", "endings": {"one": "ONE"},
                   "exact": {"1.5": "une seconde et demie"}}
    units = {**book.units, "second": french_like}
    agreeing = languages.Phrasebook(book.tag, book.name, book.numbers, book.iso639_2, book.phrases, units,
                                    book.chapters)
    assert agreeing.amount(21, "second") == "twenty-ONE secondes"  # the last word's ending, changed
    assert agreeing.amount(1, "second") == "ONE seconde"
    assert agreeing.amount(1.5, "second") == "une seconde et demie"  # an exact phrase wins
    assert agreeing.amount(2.5, "second") == "two secondes et demie"


ROUTINE = """
title: {title}
language: {language}
pacing: {{inhale: 2s, exhale: 2s, transition: 1s}}
exercises:
  - {{name: {one}, reps: 3, sides: both}}
  - {{name: {two}, hold: 30s, rest: 5 breaths}}
  - {{name: {three}, reps: 2}}
"""


@pytest.mark.parametrize("language, names", [
    ("de", ("Beinkreise", "Seitstütz", "Rollen")),
    ("es", ("Círculos de pierna", "Plancha lateral", "Rodar")),
])
def test_a_session_in_another_language_is_said_and_labelled_in_it(language, names, tmp_path):
    import json
    import os

    from checks import FRAME_TOLERANCE, assert_countdowns_keep_time, assert_counts_on_the_breath, assert_tiles
    from conftest import run_cli
    from mutagen.id3 import ID3

    from pilates_audio.format import load

    source = tmp_path / f"{language}.yaml"
    source.write_text(ROUTINE.format(title=names[0], language=language, one=names[0], two=names[1],
                                     three=names[2]), encoding="utf-8")
    result = run_cli("render", source, "-o", tmp_path / "out", "-q")
    assert result.code == 0, result.stderr
    book = languages.phrasebook(language)
    data = json.loads((tmp_path / "out" / f"{language}.json").read_text())
    assert data["pacing"]["language"] == language
    assert_tiles(data)
    routine = load(source)
    assert_counts_on_the_breath(data, routine, FRAME_TOLERANCE)  # placed on the MP3's frames
    assert_countdowns_keep_time(data, FRAME_TOLERANCE)
    said = [cue["text"] for cue in data["cues"] if cue["kind"] == "speech"]
    english = languages.phrasebook("en")
    for key in ("halfway", "closing"):  # from this language's phrasebook, and none from English's
        assert book.say(key) in said and english.say(key) not in said
    assert book.say("release_and_rest", duration=book.duration(Duration(5, "breaths"))) in said
    assert book.next_up(names[2]) in said or any(line.startswith(book.next_up(names[2])[:-1]) for line in said)
    assert [c["title"] for c in data["chapters"]][0] == book.chapter("intro")
    assert data["chapters"][-1]["title"] == book.chapter("outro")
    assert not any(line in said for line in ("Inhale.", "Exhale.", "Last one.", "Halfway."))
    # Spoken by a voice of the language, and the language is in every file.
    cache = os.environ["PILATES_AUDIO_CACHE"]
    assert any(folder.startswith(f"pyttsx3-{language}-") for folder in os.listdir(os.path.join(cache, "clips")))
    assert str(ID3(tmp_path / "out" / f"{language}.mp3")["TLAN"]) == book.iso639_2
    assert (tmp_path / "out" / f"{language}.vtt").read_text().splitlines()[1] == f"Language: {language}"
    assert json.loads((tmp_path / "out" / f"{language}.chapters.json").read_text())["language"] == language
    assert run_cli("feed", tmp_path / "out", "--base-url", "http://example.org/").code == 0
    assert f"<language>{language}</language>" in (tmp_path / "out" / "feed.xml").read_text()


def test_an_engine_picks_a_voice_of_the_language_or_says_which_to_fetch():
    from pilates_audio import speech
    from pilates_audio.speech import piper_engine

    espeak = speech.engine("pyttsx3")
    assert espeak.resolve(None, "de") == "de" and espeak.resolve(None, "pt-BR") == "pt-br"
    assert espeak.resolve(None, "en-GB") == "" and espeak.resolve("en-us", "de") == "en-us"  # a voice given wins
    piper = speech.engine("piper")
    if piper.missing() is None and not any(v.languages and v.languages[0].startswith("de") for v in piper.voices()):
        with pytest.raises(piper_engine.NoVoiceFor) as caught:
            piper.resolve(None, "de")
        assert caught.value.message == ("no Piper voice for Deutsch (de) is installed; fetch one with `pilates-audio "
                                        "voices --download de_DE-thorsten-medium`, or choose --engine pyttsx3")
        assert speech.choose("auto", None, "de").name == "pyttsx3"  # auto: the voice that can speak it
        assert speech.choose("auto", None, "en").name == "piper"


def test_a_voice_not_of_the_routines_language_is_a_warning(tmp_path):
    from conftest import run_cli

    from pilates_audio import speech

    piper = speech.engine("piper")
    if piper.missing() is not None or any(v.languages and v.languages[0].startswith("de") for v in piper.voices()):
        pytest.skip("needs Piper with no German voice installed (the test setup installs only the English one)")
    source = tmp_path / "de.yaml"
    source.write_text("title: Matte\nlanguage: de\nexercises: [{name: Rollen, reps: 2}]\n", encoding="utf-8")
    fallback = run_cli("script", source, "--engine", "auto")
    assert fallback.code == 0
    assert fallback.stderr == (f"warning: {source}: no Piper voice speaks the routine's language (de), so eSpeak NG "
                               "does; for a neural voice, fetch one with `pilates-audio voices --download "
                               "de_DE-thorsten-medium`\n")
    english = run_cli("script", source, "--engine", "auto", "--voice", "en_US-joe-medium")
    assert english.code == 0
    assert english.stderr == (f"warning: {source}: the voice en_US-joe-medium speaks en_US, not the routine's "
                              "language (de)\n")
    assert run_cli("script", source, "--engine", "pyttsx3").stderr == ""  # eSpeak NG chosen: its voice of German


@pytest.mark.parametrize("tag", SHIPPED)
def test_the_estimate_of_a_session_in_each_language_is_within_ten_percent(tag):
    import json
    from pathlib import Path

    from conftest import run_cli

    source = Path(__file__).resolve().parents[1] / "golden" / f"language-{tag}.yaml"
    estimated = json.loads(run_cli("script", source, "--json").stdout)["duration"]
    exact = json.loads(run_cli("script", source, "--json", "--exact", "-q").stdout)["duration"]
    assert abs(estimated - exact) / exact < 0.10, (tag, estimated, exact)


def test_a_language_capitalises_a_word_as_it_spells_it():
    dutch = languages.phrasebook("nl")
    assert dutch.count(1) == "Eén." and dutch.countdown(1) == "Eén." and dutch.count(21) == "Eenentwintig."
    assert languages.phrasebook("es").count(1) == "Uno."  # no capitals given: the first letter only


@pytest.mark.parametrize("tag", SHIPPED)
def test_every_phrasebook_lists_the_common_words_that_tell_its_lines_apart(tag):
    words = languages.phrasebook(tag).common_words
    assert len(words) >= 40, tag
    assert all(word == word.lower() and word.isalpha() for word in words), tag


def test_a_line_is_taken_for_another_language_only_when_it_clearly_is_one():
    assert languages.looks_like("Lie on your back with your knees bent.", "de") == "en"
    assert languages.looks_like("Legen Sie sich auf den Rücken, die Knie gebeugt.", "en") == "de"
    assert languages.looks_like("Legen Sie sich auf den Rücken, die Knie gebeugt.", "de") is None
    assert languages.looks_like("Allongez-vous sur le dos, les genoux pliés.", "it") == "fr"
    assert languages.looks_like("Keep the spine long.", "de") is None  # too short to judge
    assert languages.looks_like("Roll Up, Hundred, Teaser, Swan and Saw.", "de") is None  # names, not sentences
    # A borrowed word or two in a line of the session's language is not enough.
    assert languages.looks_like("Jetzt kommt der Roll Up, mit ruhigem Atem und langem Rücken.", "de") is None


def shipped_routines() -> list[tuple[str, str]]:
    """Return every routine the package and the library ship, as (name, its text)."""
    from pathlib import Path

    from pilates_audio.format import starter

    root = Path(__file__).resolve().parents[2]
    found = [(path.name, path.read_text(encoding="utf-8")) for path in sorted((root / "routines").glob("*.yaml"))]
    return found + [(f"starter {tag}", starter.starter("My Routine", None, tag)) for tag in SHIPPED]


@pytest.mark.parametrize("name, text", shipped_routines(), ids=[name for name, _ in shipped_routines()])
def test_no_shipped_routine_or_starter_is_warned_about_its_language(name, text, tmp_path):
    import shutil
    from pathlib import Path

    from pilates_audio import render
    from pilates_audio.format import localized, routine

    shutil.copytree(Path(__file__).resolve().parents[2] / "routines" / "blocks", tmp_path / "blocks")
    path = tmp_path / "routine.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = routine.load(path)
    language = render.effective_pacing(loaded, {})[0].language
    assert localized.mismatched(loaded, language) == ()
    if language == "en":  # the same lines in a German session are named
        assert localized.mismatched(loaded, "de")


ENGLISH_IN_GERMAN = """\
title: Brücke
language: de
intro: Before we begin, find a quiet place and lie on your mat.
exercises:
  - name: Brücke
    setup: Lie on your back with your knees bent and your feet on the floor.
    cues:
      - Lift the hips, one bone at a time, up to the shoulders.
      - {say: Breathe out as you roll back down to the mat., at: 5}
      - Keep it long.
    reps: 8
  - name: Schwan
    setup: {en: Lie on your front with your hands under your shoulders., de: Legen Sie sich auf den Bauch.}
    hold: 2 breaths
outro: Gut gemacht, das war die Einheit für den Rücken.
"""


def test_lines_in_another_language_than_the_sessions_are_named_once_at_check_and_render(tmp_path):
    from conftest import run_here

    (tmp_path / "r.yaml").write_text(ENGLISH_IN_GERMAN, encoding="utf-8")
    warning = (
        "warning: r.yaml: 4 lines look English, but the session is in German (de); give them in German, or one text "
        "per language, as {en: …, de: …}:\n"
        '  r.yaml:3:8: looks English: "Before we begin, find a quiet place and lie on your mat."\n'
        '  r.yaml:6:12: looks English: "Lie on your back with your knees bent and your feet on the…"\n'
        '  r.yaml:8:9: looks English: "Lift the hips, one bone at a time, up to the shoulders."\n'
        "  and 1 more\n")
    check = run_here(tmp_path, "check", "r.yaml")
    assert (check.code, check.stderr) == (0, warning)
    script = run_here(tmp_path, "script", "r.yaml")
    assert (script.code, script.stderr) == (0, warning)
    assert run_here(tmp_path, "script", "r.yaml", "-q").stderr == ""
    # In English, the German lines are the ones named: the text per language gives its English.
    english = run_here(tmp_path, "script", "r.yaml", "--language", "en")
    assert english.stderr == (
        "warning: r.yaml: a line looks German, but the session is in English (en); give it in English, or one text "
        "per language, as {de: …, en: …}:\n"
        '  r.yaml:15:8: looks German: "Gut gemacht, das war die Einheit für den Rücken."\n')


def test_render_names_lines_in_another_language_unless_quiet(tmp_path):
    from conftest import run_here

    (tmp_path / "r.yaml").write_text("title: Brücke\nlanguage: de\nexercises:\n  - name: Brücke\n    setup: Lie on "
                                     "your back with your knees bent.\n    reps: 1\n", encoding="utf-8")
    loud = run_here(tmp_path, "render", "r.yaml", "-o", "out")
    assert loud.code == 0 and loud.stderr == (
        "warning: r.yaml: a line looks English, but the session is in German (de); give it in German, or one text "
        "per language, as {en: …, de: …}:\n"
        '  r.yaml:5:12: looks English: "Lie on your back with your knees bent."\n')
    quiet = run_here(tmp_path, "render", "r.yaml", "-o", "out", "-q")
    assert (quiet.code, quiet.stderr) == (0, "")
