"""An author's spoken texts: one for every language or one per language, chosen for a session's language."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Iterator

from pilates_audio import languages
from pilates_audio.errors import Problem, ValidationError

if TYPE_CHECKING:
    from pilates_audio.format.model import Routine

SHOWN = 3  # lines a warning quotes before "and N more"
QUOTED = 60  # characters of a line a warning quotes


class Said(str):
    """A spoken text as the session says it, remembering where it was written and the texts it has per language.

    It is a str, so every stage that speaks or shows text takes it as it is.
    """

    place: tuple[str, int, int]  # the file as shown, line and column
    texts: "Texts"  # (language tag as written, its text); empty for one text for every language

    def __new__(cls, text: str, place: tuple[str, int, int], texts: "Texts" = ()) -> "Said":
        said = super().__new__(cls, text)
        said.place = place
        said.texts = texts
        return said

    def __reduce__(self) -> tuple:
        return Said, (str(self), self.place, self.texts)

    @property
    def tags(self) -> list[str]:
        return [tag for tag, _ in self.texts]

    def problem(self, message: str) -> Problem:
        return Problem(*self.place, message)


Texts = tuple[tuple[str, Said], ...]


def choose(texts: Texts, language: str) -> Said | None:
    """Return the text for a language: its own tag's, else its language's without the region, else its phrasebook's.

    A session in en-GB takes `en-GB:`, else `en:`; a session in en takes `en-US:` where that is all there is.
    """
    by_tag = {tag.lower(): text for tag, text in texts}
    parts = language.lower().split("-")
    for size in range(len(parts), 0, -1):
        found = by_tag.get("-".join(parts[:size]))
        if found is not None:
            return found
    book = languages.resolve(language)
    return next((text for tag, text in texts if languages.resolve(tag) == book), None)


def spoken(routine: Routine) -> Iterator[str]:
    """Yield every text of the author's that a session may speak, once each, in the order of the file."""
    seen: set[object] = set()
    texts: list[str | None] = [routine.intro]
    for exercise in routine.exercises:
        texts += [exercise.setup, *exercise.cues, *(cue.text for cue in exercise.tied)]
    texts.append(routine.outro)
    for text in texts:
        key = text.place if isinstance(text, Said) else text
        if text is not None and key not in seen:
            seen.add(key)
            yield text


def in_language(routine: Routine, language: str) -> Routine:
    """Return the routine with each text given per language as the language's; raise ValidationError for any missing.

    A routine whose texts are all one for every language is returned as it is.
    """
    if not any(isinstance(text, Said) and text.texts for text in spoken(routine)):
        return routine
    problems: list[Problem] = []

    def pick(text: str | None) -> str | None:
        if not isinstance(text, Said) or not text.texts:
            return text
        chosen = choose(text.texts, language)
        if chosen is None:
            problems.append(text.problem(
                f"no text in {languages.english_name(languages.resolve(language))} ({language}), the session's "
                f"language; add {language}: here, or render in a language it has ({', '.join(text.tags)})"))
            return text
        return chosen

    exercises = tuple(replace(exercise, setup=pick(exercise.setup), cues=tuple(pick(cue) for cue in exercise.cues),
                              tied=tuple(replace(cue, text=pick(cue.text)) for cue in exercise.tied))
                      for exercise in routine.exercises)
    chosen = replace(routine, intro=pick(routine.intro), outro=pick(routine.outro), exercises=exercises)
    if problems:
        raise ValidationError(problems)
    return chosen


def mismatched(routine: Routine, language: str) -> tuple[str, ...]:
    """Return a warning naming the lines that look written in another language than the session's, if any."""
    own = languages.resolve(language)
    found: list[tuple[Said, str]] = []
    for text in spoken(routine):
        said = choose(text.texts, language) if isinstance(text, Said) and text.texts else text
        other = languages.looks_like(said, own) if isinstance(said, Said) else None  # a place to name
        if other is not None:
            found.append((said, other))
    if not found:
        return ()
    name = languages.english_name(own)
    first = found[0][1]
    lines = [f"  {':'.join(map(str, said.place))}: looks {languages.english_name(other)}: {_quoted(said)}"
             for said, other in found[:SHOWN]]
    if len(found) > SHOWN:
        lines.append(f"  and {len(found) - SHOWN} more")
    others = {other for _, other in found}
    some = "a line" if len(found) == 1 else f"{len(found)} lines"
    looks = f"look{'s' if len(found) == 1 else ''}"
    seems = (f"{looks} {languages.english_name(first)}, but the session is in" if len(others) == 1
             else f"{looks} written in another language than the session's,")
    return (f"{some} {seems} {name} ({language}); give {'it' if len(found) == 1 else 'them'} in {name}, or one "
            f"text per language, as {{{first}: …, {language}: …}}:\n" + "\n".join(lines),)


def _quoted(text: str) -> str:
    return f'"{text}"' if len(text) <= QUOTED else f'"{text[:QUOTED - 1].rstrip()}…"'
