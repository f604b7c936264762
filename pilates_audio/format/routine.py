"""Load a routine file and check it, reporting every problem with its place."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any

from pilates_audio import languages, settings
from pilates_audio.errors import Problem, ValidationError
from pilates_audio.files import inside
from pilates_audio.format import localized, yamlsrc
from pilates_audio.format.tracks import Track, problem
from pilates_audio.format.units import Duration, parse_duration, parse_range
from pilates_audio.format.yamlsrc import Node

ROUTINE_KEYS = ("title", "description", "instructor", "collection", "cover", "music", "voice", "language", "pacing",
                "intro", "exercises", "sections", "outro")
COVER_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
MAX_COVER_BYTES = 5_000_000
SECTION_KEYS = ("name", "rounds", "exercises")
MAX_ROUNDS = 20  # a circuit played more often than this is better written as a longer one
EXERCISE_KEYS = ("name", "kind", "setup", "cues", "reps", "breaths_per_rep", "hold_each", "work", "hold", "pulses",
                 "sides", "reverse", "switch", "rest", "pacing")
MAX_PULSES = 10  # even counts in one breath phase
ALTERNATE = ("left", "right")  # sides: alternate, rep by rep, from the left
SIDE_ORDERS = {("left", "right"), ("right", "left")}
MAX_INCLUDE_DEPTH = 10
# Includes multiply: a block included in a block included many times. This bounds what
# one routine may expand to, long before a session would reach the length limit anyway.
MAX_EXERCISES = 5_000
MAX_LINE_CHARS = 1000  # one spoken line; longer text belongs in several cues
SPOKEN = ("title", "intro", "outro")  # the routine's texts that are said (with every exercise's)
# Texts an author may give one per language ({en: …, de: …}), with every cue: what is said
# as instruction. Names and the title stay one: they name chapters, files and feeds.
PER_LANGUAGE = ("intro", "outro", "setup", "say")
# Markup a speech engine might obey rather than read: SSML or XML tags, eSpeak and
# macOS [[…]] commands. Control characters go from all text (eSpeak's embedded
# commands start with one, and feeds and tags cannot hold them).
_MARKUP = re.compile(r"</?[A-Za-z!?][^<>]*>|\[\[[^\]]*\]\]|\[\[|\]\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


CUE_KEYS = ("say", "on", "at", "reps", "every")
PHASES = ("inhale", "exhale")


class Kind(str, Enum):
    """What an exercise asks of the body, which sets how it is narrated."""

    STRETCH = "stretch"  # held softly: no countdown, no halfway
    REST = "rest"  # a rest pose: announced as a rest, as quiet as one
    EFFORT = "effort"  # reps, work, strong holds: counted in, "Halfway.", "Last few."


# Without `kind:`, the name says it (in English): a rest pose whatever its dose, unless it
# has reps; a stretch when it is held (no reps, no work). Anything else is effort.
_REST_NAMES = re.compile(r"\b(?:rest(?:ing)?|relax\w*|savasana|shavasana|corpse pose|child[’']?s? pose)\b", re.I)
_STRETCH_NAMES = re.compile(r"\b(?:stretch\w*|release|roll(?:ing)? down|twist\w*|fold\w*|opener|breathing)\b", re.I)


def default_kind(name: str, reps: bool, work: bool) -> Kind:
    """Return the kind of an exercise that does not say: from its name and what it does."""
    if reps:
        return Kind.EFFORT
    if _REST_NAMES.search(name):
        return Kind.REST
    return Kind.STRETCH if _STRETCH_NAMES.search(name) and not work else Kind.EFFORT


@dataclass(frozen=True)
class TiedCue:
    """A cue said at its moment: at the start of a breath phase (`on`), or as a rep begins (`at`)."""

    text: str
    on: str | None = None  # "inhale" or "exhale"
    at: int | None = None  # the rep, from 1
    reps: tuple[int, ...] = ()  # with `on`: only on these reps (or breaths of a hold)
    every: int = 1  # with `on`: on every Nth rep, from the first

    def due(self, rep: int) -> bool:
        """Tell whether the cue is said on rep (or breath) number `rep`, counting from 1."""
        if self.at is not None:
            return rep == self.at
        return (not self.reps or rep in self.reps) and (rep - 1) % self.every == 0


@dataclass(frozen=True)
class Exercise:
    """One exercise as the routine describes it."""

    name: str
    kind: Kind = Kind.EFFORT  # as written, or as its name and dose suggest
    setup: str | None = None
    cues: tuple[str, ...] = ()  # plain cues, spread over the work
    tied: tuple[TiedCue, ...] = ()  # cues with a moment of their own
    reps: int | None = None
    breaths_per_rep: float = 1.0
    hold_each: Duration | None = None  # seconds still at the top of each rep, after its first inhale
    work: Duration | None = None  # continuous movement for a time, after the reps
    hold: Duration | None = None
    sides: tuple[str, ...] = ()
    alternating: tuple[str, ...] = ()  # sides: alternate: the reps take these sides in turn, in one set
    pulses: int | None = None  # even counts inside every breath phase (the Hundred: 5)
    reverse: bool = False  # the reps again in the other direction, on each side
    switch: Duration | None = None  # time to change side or direction, before any countdown
    pacing: tuple[tuple[str, Any], ...] = ()  # its own tempo and narration (pacing.EXERCISE_KEYS)
    rest: Duration | None = None
    section: str | None = None
    section_number: int = 0  # which section, from 1 (0: the routine has none)
    round: int = 1  # which round of its section, from 1
    rounds: int = 1  # how many times its section plays
    # The top of a range (reps: 6-10); reps, hold and rest above hold its low end.
    reps_max: int | None = None
    hold_each_max: Duration | None = None
    work_max: Duration | None = None
    hold_max: Duration | None = None
    rest_max: Duration | None = None

    @property
    def rests(self) -> bool:
        """Tell whether the exercise ends with a rest (a rest of zero is none)."""
        return self.rest is not None and self.rest.amount > 0

    @property
    def has_range(self) -> bool:
        return any(value is not None
                   for value in (self.reps_max, self.hold_each_max, self.work_max, self.hold_max, self.rest_max))

    @property
    def effort(self) -> bool:
        """Tell whether the exercise is effort: counted into, with "Halfway." and "Last few."."""
        return self.kind is Kind.EFFORT

    @property
    def working(self) -> bool:
        """Tell whether the exercise has timed work to do (reps, work or a hold), not only words."""
        return self.reps is not None or self.work is not None or self.hold is not None

    def choose(self, fill: float) -> "Exercise":
        """Return the exercise with each range set `fill` of the way from its low end to its top."""
        changes: dict = {}
        if self.reps_max is not None and self.reps is not None:
            changes["reps"] = self.reps + int(round(fill * (self.reps_max - self.reps)))
        for key in ("hold_each", "work", "hold", "rest"):
            low, high = getattr(self, key), getattr(self, f"{key}_max")
            if low is not None and high is not None:
                amount = low.amount + fill * (high.amount - low.amount)
                # Whole seconds and whole breaths: values an instructor would say. Half
                # breaths only where the author wrote one (1.5-3 breaths).
                halves = low.in_breaths and not (float(low.amount).is_integer() and float(high.amount).is_integer())
                amount = int(amount * 2 + 0.5) / 2 if halves else float(int(amount + 0.5))
                changes[key] = Duration(min(max(amount, low.amount), high.amount), low.unit)
        return replace(self, **changes)


@dataclass(frozen=True)
class Routine:
    """A whole routine, checked and ready to plan."""

    path: str
    title: str
    exercises: tuple[Exercise, ...]
    description: str | None = None
    instructor: str | None = None
    intro: str | None = None
    collection: str | None = None
    cover: Path | None = None
    music: tuple[Track, ...] = ()  # played in turn under the session, looped
    outro: str | None = None
    pacing: tuple[tuple[str, Any], ...] = ()
    includes: tuple[Path, ...] = ()  # the block files it includes, directly or not

    @property
    def name(self) -> str:
        """Return the base name outputs are named after."""
        return Path(self.path).stem

    @property
    def pacing_layer(self) -> settings.Layer:
        return settings.Layer("routine", dict(self.pacing))

    @property
    def has_range(self) -> bool:
        return any(exercise.has_range for exercise in self.exercises)

    def choose(self, fill: float) -> "Routine":
        """Return the routine with every range set `fill` of the way up (0: low ends)."""
        return replace(self, exercises=tuple(exercise.choose(fill) for exercise in self.exercises))


@dataclass(frozen=True)
class Block:
    """A file holding only a list of exercises, for routines to include."""

    path: str
    exercises: tuple[Exercise, ...]


def speakable(text: str) -> str:
    """Return text as it will be spoken: markup an engine could obey removed, spaces collapsed."""
    return " ".join(_CONTROL.sub(" ", _MARKUP.sub(" ", text)).split())


_SURROGATE = re.compile(r"[\ud800-\udfff]")


class _Includes:
    """What one check has read through includes: parsed blocks, the files, and the count so far."""

    def __init__(self, confine: Path | None = None) -> None:
        self.parsed: dict[Path, Node | None] = {}
        self.files: list[Path] = []
        self.exercises = 0
        self.confine = confine  # a folder that includes and covers must stay inside (the studio's), if any

    def outside(self, path: Path) -> bool:
        """Tell whether a file an include or cover names leads out of the folder it must stay in."""
        return self.confine is not None and not inside(path, self.confine)


class _Checker:
    """Walk a routine's nodes, collecting problems instead of stopping at the first."""

    def __init__(self, path: str, problems: list[Problem], folder: Path, chain: tuple[Path, ...] = (),
                 includes: _Includes | None = None, language: str | None = None):
        self.path = path  # as shown in messages
        self.language = language  # the routine's own (None: a block checked on its own)
        self.problems = problems
        self.folder = folder  # where relative paths in the file start
        self.chain = chain  # the files including this one, outermost first (resolved)
        self.includes = includes if includes is not None else _Includes()

    def add(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.path, node.line, node.column, message))

    def add_at(self, mark: tuple[int, int], message: str) -> None:
        self.problems.append(Problem(self.path, mark[0], mark[1], message))

    def keys(self, node: Node, allowed: tuple[str, ...], what: str) -> None:
        yamlsrc.check_keys(node, allowed, what, self.path, self.problems)

    def text(self, node: Node, key: str, spoken: bool = True) -> str | None:
        value = node.value
        if isinstance(value, str) and not yamlsrc.is_date(value):
            if not value.strip():
                self.add(node, f"{key} is empty; give it some text")
                return None
            half = _SURROGATE.search(value)
            if half:  # "\udc80" in quotes: half of a character, which no file name, tag or voice can hold
                self.add(node, f"{key} holds U+{ord(half[0]):04X}, half of a character that is not text on its "
                               "own; remove it")
                return None
            text = speakable(value) if spoken else " ".join(_CONTROL.sub(" ", value).split())
            if not text:
                self.add(node, f"{key} has nothing to say once markup is removed; give it some words")
                return None
            if len(text) > MAX_LINE_CHARS:
                self.add(node, f"{key} is too long to speak as one line ({len(text):,} characters; the limit is "
                               f"{MAX_LINE_CHARS:,}); split it into several cues")
                return None
            return text
        if value is None:
            self.add(node, f"{key} is empty; give it some text")
        elif isinstance(value, bool):
            self.add(node, f'{key} must be text, but YAML reads {node.raw} as a yes/no value; put it in quotes: "{node.raw}"')
        elif isinstance(value, (int, float)) or yamlsrc.is_date(value):
            kind = "a date" if yamlsrc.is_date(value) else "a number"
            self.add(node, f'{key} must be text, but YAML reads {node.raw} as {kind}; put it in quotes: "{node.raw}"')
        else:
            self.add(node, f"{key} must be text, not {yamlsrc.kind(node)}")
        return None

    def optional_text(self, mapping: Node, key: str) -> str | None:
        node = mapping.value.get(key)
        if node is None:
            return None
        return self.said(node, key) if key in PER_LANGUAGE else self.text(node, key, spoken=key in SPOKEN)

    def said(self, node: Node, key: str) -> localized.Said | None:
        """Check a spoken text given once, or one per language ({en: …, de: …}); return it in the routine's language."""
        if not node.is_mapping:
            text = self.text(node, key)
            return None if text is None else localized.Said(text, (self.path, node.line, node.column))
        texts: list[tuple[str, localized.Said]] = []
        good = bool(node.value)
        if not good:
            self.add(node, f"{key} is an empty mapping; give a text, or one per language ({{en: …, de: …}})")
        for tag, child in node.value.items():
            if not _shipped(tag):
                self.add_at(node.key_marks[tag], f"{key}: '{tag}' is not a language with a phrasebook; give each "
                                                 f"text under one of: {', '.join(languages.shipped())}")
                good = False
                continue
            said = self.said(child, key) if not child.is_mapping else self.text(child, key)  # no mapping in one
            good = good and isinstance(said, localized.Said)
            texts.append((tag, said))  # type: ignore[arg-type]
        if not good:
            return None
        chosen = localized.choose(tuple(texts), self.language) if self.language else texts[0][1]
        if chosen is None:
            name = languages.english_name(languages.resolve(self.language))  # type: ignore[arg-type]
            self.add(node, f"{key} has no text in the routine's language, {name} ({self.language}); add "
                           f"{self.language}: …, or make language: one it has ({', '.join(tag for tag, _ in texts)})")
            return None
        return localized.Said(chosen, (self.path, node.line, node.column), tuple(texts))

    def duration(self, node: Node, key: str, breaths: bool = True, zero: bool = False
                 ) -> tuple[Duration, Duration | None] | None:
        """Check a duration or a range of durations (from zero, if `zero`); return (low, top or None)."""
        if node.is_mapping or node.is_list:
            self.add(node, f"{key} must be a duration, not {yamlsrc.kind(node)}")
            return None
        try:
            span = parse_range(node.value, zero_allowed=zero)
            if span is None:
                span = parse_duration(node.value, zero_allowed=zero), None
            if not breaths and span[0].in_breaths:
                # Breathing on through it would turn the phases after it around.
                raise ValueError(f"'{node.value}' cannot be counted in breaths; use seconds (3s)")
            return span
        except ValueError as exc:
            self.add(node, f"{key}: {exc}")
            return None

    def reps(self, node: Node) -> tuple[int, int | None] | None:
        """Check a count of reps, or a range of them (6-10); return (low, top or None)."""
        value = node.value
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", value)
            if match:
                low, high = int(match[1]), int(match[2])
                if low >= 1 and high >= low:
                    return low, high
                self.add(node, f"reps range '{value}' must run from at least 1 up to a larger number")
                return None
        count = self.positive_int(node, "reps")
        return None if count is None else (count, None)

    def flag(self, node: Node, key: str) -> bool | None:
        if isinstance(node.value, bool):
            return node.value
        self.add(node, f"{key} must be true or false")
        return None

    def positive_int(self, node: Node, key: str) -> int | None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.add(node, f"{key} must be a whole number, at least 1")
            return None
        return value

    def positive_number(self, node: Node, key: str) -> float | None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
            self.add(node, f"{key} must be a number more than zero")
            return None
        return float(value)

    def pacing(self, node: Node) -> dict[str, Any]:
        return settings.parse_node(node, self.path, self.problems)

    def kind(self, node: Node) -> Kind | None:
        """Check an exercise's kind: stretch, rest or effort."""
        choices = ", ".join(kind.value for kind in Kind)
        if node.is_mapping or node.is_list:
            self.add(node, f"kind must be one word, not {yamlsrc.kind(node)}; choose one of: {choices}")
        elif node.value is None or node.raw == "":
            self.add(node, f"kind is empty; choose one of: {choices}")
        elif node.value not in {kind.value for kind in Kind}:
            self.add(node, f"unknown kind '{node.raw}'; choose one of: {choices}")
        else:
            return Kind(node.value)
        return None

    def sides(self, node: Node) -> tuple[str, ...]:
        value = node.value
        if value == "both":
            return ("left", "right")
        if value == "alternate":
            return ("alternate",)
        if node.is_list and all(isinstance(item.value, str) for item in value):
            order = tuple(item.value for item in value)
            if order in SIDE_ORDERS:
                return order
        self.add(node, "sides must be both, [left, right], [right, left] or alternate")
        return ()

    def cues(self, node: Node) -> tuple[tuple[str, ...], tuple[TiedCue, ...]] | None:
        """Check the cues: plain text, or mappings that say when; return (plain, tied), or None."""
        items = node.value if node.is_list else [node]
        plain: list[str] = []
        tied: list[TiedCue] = []
        good = True
        for item in items:
            if item.is_mapping and not _per_language(item):
                cue = self.tied_cue(item)
                if cue is None:
                    good = False
                else:
                    tied.append(cue)
                continue
            text = self.said(item, "each cue")
            if text is None:
                good = False
            else:
                plain.append(text)
        return (tuple(plain), tuple(tied)) if good else None

    def tied_cue(self, node: Node) -> TiedCue | None:
        """Check a cue mapping such as {say: Breathe out., on: exhale}."""
        self.keys(node, CUE_KEYS, "cue")
        values = node.value
        if "say" not in values:
            self.add(node, "a cue mapping needs say: with the words to speak")
            return None
        text = self.said(values["say"], "say")
        fields: dict[str, Any] = {"text": text}
        good = text is not None
        if ("on" in values) == ("at" in values):
            self.add(node, "a cue mapping says when with on: inhale, on: exhale or at: REP (one of them)")
            return None
        if "on" in values:
            if values["on"].value not in PHASES:
                self.add(values["on"], "on must be inhale or exhale")
                good = False
            fields["on"] = values["on"].value
            if "reps" in values:
                items = values["reps"]
                numbers = [self.positive_int(item, "each of a cue's reps") for item in items.value] if items.is_list \
                    else None
                if numbers is None or not numbers:
                    self.add(items, "reps of a cue must be a list of rep numbers, such as [1, 2]")
                    good = False
                elif None in numbers:
                    good = False
                else:
                    fields["reps"] = tuple(numbers)
            if "every" in values:
                every = self.positive_int(values["every"], "every")
                good = good and every is not None
                fields["every"] = every
        else:
            at = self.positive_int(values["at"], "at")
            good = good and at is not None
            fields["at"] = at
            for key in ("reps", "every"):
                if key in values:
                    self.add(values[key], f"{key} goes with on:, not at: (at: names the one rep)")
                    good = False
        return TiedCue(**fields) if good else None

    def check_tied(self, cue: TiedCue, values: dict[str, Node], top: int | None) -> None:
        """Check that a tied cue has work to be said in: reps (up to `top`) for at:, reps, work or a hold for on:."""
        where = values["cues"]
        if cue.at is not None:
            if "reps" not in values:
                self.add(where, f'the cue "{cue.text}" is said at rep {cue.at}, but the exercise has no reps')
                return
            if top is not None and cue.at > top:
                self.add(where, f'the cue "{cue.text}" is said at rep {cue.at}, past the last rep ({top})')
        elif not {"reps", "work", "hold"} & set(values):
            self.add(where, f'the cue "{cue.text}" is said on each {cue.on}, but the exercise has no reps, work or '
                            "hold to breathe through")

    def exercise(self, node: Node, section: str | None) -> Exercise | None:
        if not node.is_mapping:
            self.add(node, "each exercise must be a mapping with at least a name")
            return None
        self.keys(node, EXERCISE_KEYS, "exercise")
        fields: dict[str, Any] = {"section": section}
        values = node.value
        if "name" not in values:
            self.add(node, "missing required key 'name'")
        else:
            fields["name"] = self.text(values["name"], "name")
        if "setup" in values:
            fields["setup"] = self.said(values["setup"], "setup")
        if "cues" in values:
            cues = self.cues(values["cues"])
            fields["cues"], fields["tied"] = cues if cues else (None, None)
        if "reps" in values:
            span = self.reps(values["reps"])
            fields["reps"], fields["reps_max"] = span if span else (None, None)
        if "breaths_per_rep" in values:
            fields["breaths_per_rep"] = self.positive_number(values["breaths_per_rep"], "breaths_per_rep")
            if "reps" not in values:
                self.add(values["breaths_per_rep"], "breaths_per_rep needs reps")
        for key in ("work", "hold", "rest"):
            if key in values:
                span = self.duration(values[key], key, zero=key == "rest")  # a rest of zero is none
                fields[key], fields[f"{key}_max"] = span if span else (None, None)
        if "hold_each" in values:
            span = self.duration(values["hold_each"], "hold_each", breaths=False)
            fields["hold_each"], fields["hold_each_max"] = span if span else (None, None)
            if "reps" not in values:
                self.add(values["hold_each"], "hold_each needs reps (it holds still at the top of each one)")
        for cue in fields.get("tied") or ():
            self.check_tied(cue, values, fields.get("reps_max") or fields.get("reps"))
        if "sides" in values:
            fields["sides"] = self.sides(values["sides"])
            if fields["sides"] == ("alternate",):
                fields["sides"], fields["alternating"] = (), ALTERNATE
                if "reps" not in values:
                    self.add(values["sides"], "sides: alternate needs reps, each on the other side")
            elif not {"reps", "work", "hold"} & set(values):
                self.add(values["sides"], "sides needs reps, work or a hold to repeat on each side")
        if "pacing" in values:
            own = self.pacing(values["pacing"])
            for key in list(own):
                if key not in settings.EXERCISE_KEYS:
                    self.add_at(values["pacing"].key_marks[key],
                                f"{key} cannot be set for one exercise; set it in the routine's pacing (an exercise "
                                f"may set {', '.join(settings.EXERCISE_KEYS)})")
                    del own[key]
            fields["pacing"] = tuple(own.items())
        if "pulses" in values:
            pulses = self.positive_int(values["pulses"], "pulses")
            if pulses is not None and not 2 <= pulses <= MAX_PULSES:
                self.add(values["pulses"], f"pulses must be from 2 to {MAX_PULSES} (counts in each inhale and exhale)")
            elif pulses is not None and not {"reps", "work", "hold"} & set(values):
                self.add(values["pulses"], "pulses needs reps, work or a hold to pulse through")
            fields["pulses"] = pulses
        if "reverse" in values:
            fields["reverse"] = self.flag(values["reverse"], "reverse")
            if "reps" not in values:
                self.add(values["reverse"], "reverse needs reps, to do again the other way")
        if "switch" in values:
            span = self.duration(values["switch"], "switch", zero=True)
            if span and span[1] is not None:
                self.add(values["switch"], "switch is one duration, not a range")
                span = None
            fields["switch"] = span[0] if span else None
            if not fields.get("sides") and not fields.get("alternating") and "reverse" not in values:
                self.add(values["switch"], "switch needs sides or reverse: it is the time to change over")
        optional = ("section", "reps_max", "hold_each_max", "work_max", "hold_max", "rest_max", "switch", "pulses")
        if "kind" in values:
            fields["kind"] = self.kind(values["kind"])
        elif fields.get("name"):
            fields["kind"] = default_kind(fields["name"], "reps" in values, "work" in values)
        if any(value is None for key, value in fields.items() if key not in optional) or "name" not in fields:
            return None
        return Exercise(**fields)

    def exercise_list(self, node: Node, section: str | None) -> list[Exercise | None]:
        if not node.is_list:
            self.add(node, "exercises must be a list of exercises (each line starting with '- ')")
            return [None]
        if not node.value:
            self.add(node, "exercises is empty; list at least one exercise")
            return [None]
        return self.items(node.value, section)

    def items(self, nodes: list[Node], section: str | None) -> list[Exercise | None]:
        """Check a list's exercises and includes, in order."""
        result: list[Exercise | None] = []
        for item in nodes:
            if item.is_mapping and "include" in item.value:
                result.extend(self.include(item, section))
                continue
            self.includes.exercises += 1
            if self.includes.exercises > MAX_EXERCISES:
                if self.includes.exercises == MAX_EXERCISES + 1:  # said once, where the limit is passed
                    self.add(item, f"the routine holds more than {MAX_EXERCISES:,} exercises (counting what it includes)")
                continue
            result.append(self.exercise(item, section))
        return result

    def include(self, node: Node, section: str | None) -> list[Exercise | None]:
        """Check an `include: FILE` item and return the exercises of the block it names."""
        for key, mark in node.key_marks.items():
            if key != "include":
                self.add_at(mark, f"unknown key '{key}' beside include; an include stands alone in its list item "
                                  "(exercise keys belong in the block file)")
        where = node.value["include"]
        name = self.text(where, "include", spoken=False)
        if name is None:
            return [None]
        path = self.folder / name
        shown = os.path.normpath(os.path.join(os.path.dirname(self.path), name))
        resolved = _resolved(path)
        if resolved in self.chain:
            names = [os.path.basename(str(p)) for p in self.chain[self.chain.index(resolved):]] + [os.path.basename(name)]
            self.add(where, f"include '{name}' would include itself ({' → '.join(names)})")
            return [None]
        if len(self.chain) > MAX_INCLUDE_DEPTH:  # the chain starts with the routine itself
            self.add(where, f"includes are nested more than {MAX_INCLUDE_DEPTH} deep")
            return [None]
        if self.includes.outside(path):
            self.add(where, f"include '{name}' is outside the folder the studio works in; keep blocks inside it")
            return [None]
        if resolved not in self.includes.parsed:
            if path.is_dir():
                self.add(where, f"include '{name}' is a folder, not a block file")
                return [None]
            if not path.exists():
                self.add(where, f"included file '{name}' was not found (paths are relative to this file)")
                return [None]
            if not path.is_file():  # a device or a pipe could be endless, or never answer
                self.add(where, f"include '{name}' is not a regular file")
                return [None]
            self.includes.parsed[resolved] = yamlsrc.load(path, shown, self.problems)
            self.includes.files.append(path)
        root = self.includes.parsed[resolved]
        if root is None:
            return [None]
        checker = _Checker(shown, self.problems, path.parent, self.chain + (resolved,), self.includes, self.language)
        return checker.block_items(root, section)

    def block_items(self, root: Node, section: str | None) -> list[Exercise | None]:
        """Check a block file's top level: a non-empty list of exercises and includes."""
        if not root.is_list:
            self.add(root, "a block file must be a list of exercises (each starting with '- '), "
                           f"not {yamlsrc.kind(root)}")
            return [None]
        if not root.value:
            self.add(root, "the block is empty; list at least one exercise")
            return [None]
        return self.items(root.value, section)

    def routine(self, root: Node) -> Routine | None:
        if _looks_like_block(root):
            self.add(root, "this is a block of exercises, not a routine; include it from a routine "
                           "(- include: FILE) to render it")
            return None
        if not root.is_mapping:
            self.add(root, f"a routine must be a mapping with keys such as title and exercises, not {yamlsrc.kind(root)}")
            return None
        self.keys(root, ROUTINE_KEYS, "routine")
        values = root.value
        ok = True
        title = None
        if "title" not in values:
            self.add(root, "missing required key 'title'")
        else:
            title = self.text(values["title"], "title")
        texts = {key: self.optional_text(root, key)
                 for key in ("description", "instructor", "collection", "intro", "outro")}
        cover = self.cover(values["cover"]) if "cover" in values else None
        ok = "cover" not in values or cover is not None
        music = self.music(values["music"]) if "music" in values else ()
        ok = ok and music is not None
        ok = ok and all(texts[key] is not None for key in texts if key in values)
        layer = self.pacing(values["pacing"]) if "pacing" in values else {}
        if "voice" in values:
            voice = self.text(values["voice"], "voice", spoken=False)
            if "voice" in layer:
                self.add(values["voice"], "voice is given both here and in pacing; keep one")
            elif voice is not None:
                layer["voice"] = voice
        if "language" in values:
            node = values["language"]
            if "language" in layer:
                self.add(node, "language is given both here and in pacing; keep one")
            else:
                try:
                    layer["language"] = settings.parse_value("language", node.value)
                except ValueError as exc:
                    self.add(node, str(exc))
        exercises: list[Exercise | None] = []
        if "exercises" in values and "sections" in values:
            self.add_at(root.key_marks["sections"], "use either exercises or sections, not both")
        elif "exercises" in values:
            exercises = self.exercise_list(values["exercises"], None)
        elif "sections" in values:
            exercises = self.sections(values["sections"])
        else:
            self.add(root, "missing required key 'exercises' (or 'sections')")
        if not ok or title is None or not exercises or any(e is None for e in exercises):
            return None
        return Routine(
            path=self.path,
            title=title,
            exercises=tuple(exercises),  # type: ignore[arg-type]
            pacing=tuple(layer.items()),
            cover=cover,
            music=music or (),
            includes=tuple(self.includes.files),
            **texts,
        )

    def cover(self, node: Node) -> Path | None:
        """Check a cover image path, relative to the routine file."""
        text = self.text(node, "cover", spoken=False)
        if text is None:
            return None
        path = self.folder / text
        if self.includes.outside(path):
            self.add(node, f"cover image '{text}' is outside the folder the studio works in; keep it inside")
            return None
        if path.suffix.lower() not in COVER_TYPES:
            self.add(node, f"cover must be a JPEG or PNG image (.jpg, .jpeg or .png), not '{text}'")
            return None
        try:
            info = path.stat()
        except OSError:
            self.add(node, f"cover image '{text}' was not found (paths are relative to the routine file)")
            return None
        size = info.st_size
        if not stat.S_ISREG(info.st_mode):
            self.add(node, f"cover image '{text}' is not a regular file (a pipe, a device or a folder); give a JPEG "
                           "or PNG file")
            return None
        if size > MAX_COVER_BYTES:
            self.add(node, f"cover image '{text}' is too large ({size:,} bytes; the limit is {MAX_COVER_BYTES:,})")
            return None
        return path

    def music(self, node: Node) -> tuple[Track, ...] | None:
        """Check the music files a routine plays under its session, relative to the routine file."""
        nodes = node.value if node.is_list else [node]
        if not nodes:
            self.add(node, "music is an empty list; name a file, or leave music out")
            return None
        tracks = []
        for item in nodes:
            if item.is_list or item.is_mapping:
                self.add(item, "music must be a file name, or a list of file names")
                continue
            text = self.text(item, "music", spoken=False)
            if text is None:
                continue
            path = self.folder / text
            if self.includes.outside(path):
                self.add(item, f"music file '{text}' is outside the folder the studio works in; keep it inside")
                continue
            reason = problem(path)
            if reason:
                where = " (paths are relative to the routine file)" if reason == "was not found" else ""
                self.add(item, f"music file '{text}' {reason}{where}")
                continue
            tracks.append(Track(path, text, self.path, item.line, item.column))
        return tuple(tracks) if len(tracks) == len(nodes) else None

    def sections(self, node: Node) -> list[Exercise | None]:
        if not node.is_list or not node.value:
            self.add(node, "sections must be a list of sections, each with a name and exercises")
            return [None]
        exercises: list[Exercise | None] = []
        for number, item in enumerate(node.value, 1):
            if not item.is_mapping:
                self.add(item, "each section must be a mapping with a name and exercises")
                exercises.append(None)
                continue
            self.keys(item, SECTION_KEYS, "section")
            name = None
            if "name" not in item.value:
                self.add(item, "missing required key 'name'")
            else:
                name = self.text(item.value["name"], "name")
            if "exercises" not in item.value:
                self.add(item, "missing required key 'exercises'")
                exercises.append(None)
                continue
            rounds = 1
            if "rounds" in item.value:
                rounds = self.positive_int(item.value["rounds"], "rounds") or 1
                if rounds > MAX_ROUNDS:
                    self.add(item.value["rounds"], f"rounds must be at most {MAX_ROUNDS}")
                    rounds = 1
            section_exercises = self.exercise_list(item.value["exercises"], name)
            if name is None:
                exercises.append(None)
                continue
            # Each round plays the section's exercises again, knowing which round it is.
            exercises.extend(replace(e, section_number=number, round=r, rounds=rounds) if e is not None else None
                             for r in range(1, rounds + 1) for e in section_exercises)
        return exercises


def check_text(value: str, key: str, problems: list[Problem]) -> str | None:
    """Check one spoken text as a routine's would be, adding its problem; return it as spoken."""
    return _Checker("", problems, Path()).text(Node(value, 1, 1, raw=value), key)


def _resolved(path: Path) -> Path:
    """Return the file a path names, to tell when an include comes back to it."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return path.absolute()


def _per_language(node: Node) -> bool:
    """Tell a cue given per language ({en: …, de: …}) from a cue mapping that says when ({say: …, on: exhale})."""
    if any(key in CUE_KEYS for key in node.value):
        return False
    return any(_shipped(key) for key in node.value)


def _shipped(tag: str) -> bool:
    try:
        languages.resolve(tag)
        return True
    except ValueError:
        return False


def _own_language(root: Node) -> str:
    """Return the language a routine's texts are in: its language:, or its pacing's, else the default."""
    pacing = root.value.get("pacing")
    nodes = [root.value.get("language"), pacing.value.get("language") if pacing and pacing.is_mapping else None]
    for node in nodes:
        if node is not None:
            try:
                return settings.parse_value("language", node.value)
            except ValueError:
                pass  # said where the routine's keys are checked
    return languages.DEFAULT


def _looks_like_block(root: Node) -> bool:
    """Tell a block file (a list of exercises) from a routine written wrongly."""
    return root.is_list and bool(root.value) and all(item.is_mapping for item in root.value)


def check(path: Path, display: str | None = None) -> tuple[Routine | None, list[Problem]]:
    """Load and check one routine file, returning it (or None) and its problems."""
    checked, problems = check_file(path, display, blocks=False)
    return checked, problems  # type: ignore[return-value]


def check_file(path: Path, display: str | None = None, blocks: bool = True
               ) -> tuple[Routine | Block | None, list[Problem]]:
    """Load and check a routine file, or (with `blocks`) a block file; return it (or None) and its problems."""
    display = display if display is not None else str(path)
    problems: list[Problem] = []
    return _check_root(yamlsrc.load(path, display, problems), path, display, blocks, problems)


def check_data(data: bytes, path: Path, display: str | None = None, blocks: bool = True,
               confine: Path | None = None) -> tuple[Routine | Block | None, list[Problem]]:
    """Check text as if it were the file at `path` (its includes and cover relative to it, inside `confine`)."""
    display = display if display is not None else str(path)
    problems: list[Problem] = []
    return _check_root(yamlsrc.parse(data, display, problems), path, display, blocks, problems, confine)


def _check_root(root: Node | None, path: Path, display: str, blocks: bool, problems: list[Problem],
                confine: Path | None = None) -> tuple[Routine | Block | None, list[Problem]]:
    if root is None:
        return None, problems
    language = _own_language(root) if root.is_mapping else None  # a block's texts serve any routine's
    checker = _Checker(display, problems, path.parent, (_resolved(path),), _Includes(confine), language)
    checked: Routine | Block | None
    if blocks and _looks_like_block(root):
        exercises = checker.block_items(root, None)
        checked = Block(display, tuple(exercises))  # type: ignore[arg-type]
    else:
        checked = checker.routine(root)
    return (checked if not problems else None), problems


def load(path: Path, display: str | None = None) -> Routine:
    """Load and check one routine file, raising ValidationError listing every problem."""
    routine, problems = check(path, display)
    if problems or routine is None:
        raise ValidationError(problems)
    return routine


def load_all(paths: list[Path], blocks: bool = False) -> list[Any]:
    """Load and check several routines (and block files, with `blocks`), reporting all their problems at once."""
    routines, problems = [], []
    for path in paths:
        routine, found = check_file(path, blocks=blocks)
        problems.extend(found)
        if routine is not None:
            routines.append(routine)
    if problems:
        raise ValidationError(problems)
    return routines
