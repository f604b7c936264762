"""Languages: every word the tool adds to a session, one phrasebook (a data file) per language.

A phrasebook is `<tag>.yaml` beside this module: its phrases with {placeholders}, its
units by plural category, its chapter names. Numbers are spelled by num2words and
plural categories come from CLDR through Babel, so no language's grammar is written
here. Adding a language is adding its file (see docs/languages.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:  # phrasebooks sit under the routine format, which imports them
    from pilates_audio.format.units import Duration

DEFAULT = "en"
PLURALS = ("zero", "one", "two", "few", "many", "other")  # CLDR's plural categories
UNIT_FORMS = PLURALS + ("half", "and_a_half", "endings", "exact")
UNITS = ("breath", "second", "minute")


@dataclass(frozen=True)
class Phrasebook:
    """One language's words for a session, and how it says numbers and amounts."""

    tag: str  # BCP 47, as the file is named: en, de, pt-BR
    name: str  # the language's own name for itself
    numbers: str  # num2words' name for the language
    iso639_2: str  # the three-letter code of ISO 639-2, as ID3's TLAN frame wants
    phrases: Mapping[str, str] = field(repr=False)
    units: Mapping[str, Mapping[str, str]] = field(repr=False)
    chapters: Mapping[str, str] = field(repr=False)
    voices: Mapping[str, str] = field(default_factory=dict, repr=False)  # per engine, a voice to suggest
    capitals: Mapping[str, str] = field(default_factory=dict, repr=False)  # words not capitalised letter by letter
    common_words: frozenset[str] = field(default=frozenset(), repr=False)  # to tell a line in another language
    starter: Mapping[str, Any] = field(default_factory=dict, repr=False)  # the lines of `new`'s routine

    def say(self, key: str, **values: str) -> str:
        """Fill in one phrase."""
        return self.phrases[key].format(**values)

    def word(self, key: str) -> str:
        """Return a word said inside other phrases: a side (left, right) or a breath phase."""
        return self.phrases[key]

    def chapter(self, key: str) -> str:
        """Return the title of a chapter the tool adds (intro, outro)."""
        return self.chapters[key]

    def number(self, n: int) -> str:
        """Spell out a whole number, as it is spoken (no commas between thousands)."""
        return _spoken(self.numbers, n)

    def count(self, n: int) -> str:
        """Return the spoken rep number as a line of its own."""
        return self.say("rep", number=self._capital(self.number(n)))

    def rep_line(self, n: int, last: bool, phase: str | None, side: str | None = None, counted: bool = True) -> str:
        """Say a rep's number ("Last one" on the last), with its side and the breath phase it starts on.

        Uncounted, a rep says only its side.
        """
        number = self.phrases["last_rep"] if last else self._capital(self.number(n))
        breath = {"phase": self.word(phase)} if phase else {}
        if side is not None:
            if not counted:
                return self._capital(self.say("side_only" if phase is None else "side_with_breath",
                                             side=self.word(side), **breath))
            return self.say("rep_with_side" if phase is None else "rep_with_side_and_breath", number=number,
                            side=self.word(side), **breath)
        return self.say("rep" if phase is None else "rep_with_breath", number=number, **breath)

    def breath_cue(self, phase: str) -> str:
        """Say a breath phase on its own: "Inhale." """
        return self._capital(self.say("breath_cue", phase=self.word(phase)))

    def pulse(self, n: int, phase: str) -> str:
        """Say one pulse of a breath phase: "In." (or "Out.") on the first, then "Two.", "Three."."""
        if n == 1:
            return self.say(f"pulse_{phase}")
        return self.say("pulse", number=self._capital(self.number(n)))

    def countdown(self, n: int) -> str:
        """Say one number of a countdown."""
        return self.say("countdown", number=self._capital(self.number(n)))

    def section(self, number: int, name: str) -> str:
        """Say a section's number and name: "Section two: Core." """
        return _ended(self.say("section", number=self.number(number), name=name))

    def round_of(self, number: int, total: int) -> str:
        """Say which round of a circuit begins: "Round two of three." """
        return self.say("round", number=self.number(number), total=self.number(total))

    def next_up(self, name: str) -> str:
        """Name the exercise that comes next, ending the line once."""
        return _ended(self.say("next_up", name=name))

    def amount(self, value: float, unit: str) -> str:
        """Say an amount of a unit: three breaths, one and a half minutes, 2.4 seconds.

        A unit may give whole phrases for particular amounts (`exact`: "1.5": "eineinhalb
        Atemzüge") and the endings its numbers take (`endings`: French "un": "une" for a
        feminine noun, so 21 is "vingt et une").
        """
        forms = self.units[unit]
        exact = forms.get("exact") or {}
        key = f"{value:g}"
        if key in exact:
            return exact[key]
        whole, fraction = int(value), value - int(value)
        if abs(fraction - 0.5) < 1e-9:
            return forms["half"] if whole == 0 else forms["and_a_half"].format(number=self._spelled(forms, whole))
        if fraction == 0:
            return self._counted(forms, whole, self._spelled(forms, whole))
        from babel.numbers import format_decimal

        return self._counted(forms, value, format_decimal(value, locale=_locale(self.tag)))

    def _capital(self, text: str) -> str:
        """Capitalise a line's first letter only (German nouns keep theirs), or as the language spells the word."""
        for word, capital in self.capitals.items():  # Dutch "één" begins a line as "Eén"
            if text.startswith(word):
                return capital + text[len(word):]
        return text[:1].upper() + text[1:]

    def _spelled(self, forms: Mapping[str, Any], n: int) -> str:
        """Spell a number as it agrees with a unit: the last word's ending changed where the unit says."""
        said = self.number(n)
        head, _, last = said.rpartition(" ")
        for ending, replacement in (forms.get("endings") or {}).items():
            if last.endswith(ending):
                last = last[: len(last) - len(ending)] + replacement
                break
        return f"{head} {last}" if head else last

    def _counted(self, forms: Mapping[str, str], value: float, said: str) -> str:
        category = _plural(self.tag, value)
        return (forms.get(category) or forms["other"]).format(number=said)

    def duration(self, d: Duration) -> str:
        """Say a duration the way an instructor would."""
        if d.in_breaths:
            return self.amount(d.amount, "breath")
        seconds = d.amount
        if seconds >= 60 and seconds % 60 == 0:
            return self.amount(seconds / 60, "minute")
        if seconds > 60 and float(seconds).is_integer():
            minutes, rest = divmod(int(seconds), 60)
            return self.say("minutes_and_seconds", minutes=self.amount(minutes, "minute"),
                            seconds=self.amount(rest, "second"))
        return self.amount(seconds, "second")


def _ended(line: str) -> str:
    return line if line[-1] in ".!?" else line + "."


def _locale(tag: str) -> str:
    return tag.replace("-", "_")


@lru_cache(maxsize=4096, typed=True)  # every rep's number, in each of the plans a render makes
def _spoken(numbers: str, n: int) -> str:
    """Spell out a number in a language, by num2words' name for it."""
    from num2words import num2words

    return num2words(n, lang=numbers).replace(",", "")


@lru_cache(maxsize=None)
def _rule(tag: str) -> Any:
    from babel import Locale

    return Locale.parse(_locale(tag))


@lru_cache(maxsize=4096, typed=True)  # asked for each number said, every time a session is planned
def _plural(tag: str, value: float) -> str:
    """Return the CLDR plural category of a number in a language."""
    return _rule(tag).plural_form(value)


def shipped() -> list[str]:
    """Return the tags of the languages that have a phrasebook, sorted."""
    folder = resources.files(__package__)
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def offered() -> list[str]:
    """Return the shipped languages as they are listed to the user: the default first, then the others, sorted."""
    return [DEFAULT, *(tag for tag in shipped() if tag != DEFAULT)]


def normalize(tag: str) -> str:
    """Write a language tag as BCP 47 does: pt-br is pt-BR, EN is en, zh-hant is zh-Hant."""
    parts = tag.strip().split("-")
    fixed = [parts[0].lower()]
    for part in parts[1:]:
        fixed.append(part.upper() if len(part) == 2 or part.isdigit() else part.title() if len(part) == 4
                     else part.lower())
    return "-".join(fixed)


@lru_cache(maxsize=256)  # asked for every line planned; the phrasebooks shipped do not change while running
def resolve(tag: str) -> str:
    """Return the shipped language a BCP 47 tag asks for (en-GB: en), or raise ValueError listing them."""
    if not isinstance(tag, str) or not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", tag.strip()):
        raise ValueError(f"'{tag}' is not a language tag; give one such as de, es or pt-BR")
    wanted = tag.strip()
    available = shipped()
    by_lower = {name.lower(): name for name in available}
    parts = wanted.lower().split("-")
    for size in range(len(parts), 0, -1):  # de-AT-x: de-AT, then de
        found = by_lower.get("-".join(parts[:size]))
        if found:
            return found
    raise ValueError(f"no phrasebook for language '{wanted}'; shipped languages: {', '.join(available)}")


@lru_cache(maxsize=1)
def _common_words() -> dict[str, frozenset[str]]:
    return {tag: phrasebook(tag).common_words for tag in shipped()}


def english_name(tag: str) -> str:
    """Return a shipped language's name in English, for messages: German, Portuguese."""
    return _rule(tag).get_language_name("en")


# A line is only judged when it has this many words, this many of them another
# language's common words, and several times as many as the session's: a name, a
# short cue or a borrowed term is never taken for a line in another language.
GUESS_MIN_WORDS = 5
GUESS_MIN_HITS = 3
GUESS_MARGIN = 3
_WORD = re.compile(r"[^\W\d_]+")  # letters only: "l'air" is two words, as French counts them


def looks_like(text: str, tag: str) -> str | None:
    """Return the shipped language a line is clearly written in, if it is not `tag`'s; else None."""
    words = _WORD.findall(text.lower())
    if len(words) < GUESS_MIN_WORDS:
        return None
    hits = {other: sum(word in common for word in words) for other, common in _common_words().items()}
    own = hits.pop(tag, 0)
    best = max(hits, key=lambda other: hits[other], default=None)
    if best is None or hits[best] < GUESS_MIN_HITS or hits[best] < GUESS_MARGIN * own:
        return None
    return best


@lru_cache(maxsize=None)
def phrasebook(tag: str = DEFAULT) -> Phrasebook:
    """Load the phrasebook of a language (a tag as `resolve` gives)."""
    import yaml

    # libyaml's loader where installed: every phrasebook is read to guess a line's language, and the pure
    # Python one takes several times as long; both give the same data.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(resources.files(__package__).joinpath(f"{tag}.yaml").read_text(encoding="utf-8"), Loader=loader)
    return Phrasebook(tag=tag, name=data["name"], numbers=data["numbers"], iso639_2=data["iso639_2"],
                      phrases=data["phrases"],
                      units=data["units"], chapters=data["chapters"], voices=data.get("voices") or {},
                      capitals=data.get("capitals") or {}, common_words=frozenset(data.get("common_words") or ()),
                      starter=data["starter"])
