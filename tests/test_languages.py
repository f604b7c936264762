"""Languages: every phrasebook complete and consistent with English, numbers and plurals from their libraries."""

from __future__ import annotations

import string

import pytest

from pilates_audio import languages
from pilates_audio.units import Duration

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
