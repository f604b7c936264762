"""Writing a composed class as a routine file: its comment header, its keys, and each exercise with one dose."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from pilates_audio import __version__, languages
from pilates_audio.compose.dose import Item
from pilates_audio.compose.forms import DOSE_KEYS
from pilates_audio.compose.model import Caution
from pilates_audio.compose.selection import Draft
from pilates_audio.format import yamltext
from pilates_audio.format.units import format_seconds
from pilates_audio.languages import Phrasebook

if TYPE_CHECKING:
    from pilates_audio.compose.composer import Choices


def _per_language(value: Any) -> bool:
    return isinstance(value, dict) and "say" not in value


def said(value: Any, language: str) -> tuple[str, bool]:
    """Return a text for a language, and whether it is written in it (else the English text, or the only one)."""
    book = languages.resolve(language)
    if not _per_language(value):
        return str(value), book == languages.DEFAULT
    by_tag = {languages.normalize(str(tag)).lower(): text for tag, text in value.items()}
    parts = language.lower().split("-")
    for size in range(len(parts), 0, -1):
        if "-".join(parts[:size]) in by_tag:
            return str(by_tag["-".join(parts[:size])]), True
    for tag, text in by_tag.items():
        if languages.resolve(tag) == book:
            return str(text), True
    english = next((text for tag, text in by_tag.items() if languages.resolve(tag) == languages.DEFAULT), None)
    return str(english if english is not None else next(iter(by_tag.values()))), False


def _cue(cue: Any, language: str) -> tuple[Any, bool]:
    if isinstance(cue, dict) and "say" in cue:
        text, own = said(cue["say"], language)
        return {**cue, "say": text}, own
    return said(cue, language)


def _exercise(item: Item, language: str) -> tuple[dict[str, Any], bool]:
    """Return an exercise as the routine writes it, in the language where it can be; and whether it all was."""
    written = item.written()
    data: dict[str, Any] = {}
    translated = True
    for key, value in item.form.keys:
        if key in written:
            value = written[key]
            if value is None:
                continue
        elif key == "setup":
            value, own = said(value, language)
            translated = translated and own
        elif key == "cues":
            cues = [_cue(cue, language) for cue in (value if isinstance(value, list) else [value])]
            value = [cue for cue, _ in cues]
            translated = translated and all(own for _, own in cues)
        data[key] = value
    for key in DOSE_KEYS:  # a rest fitting added
        if key in written and key not in data and written[key] is not None:
            data[key] = written[key]
    return data, translated


FOLDED = frozenset({"description", "intro", "outro", "setup"})  # texts routines write folded (`>-`)


class _Dumper(yaml.SafeDumper):
    """Writes YAML as routines are written by hand: lists indented under their key, lists of numbers on one line,
    setups and the like folded, other texts each on its line, and a cue's `on:` bare."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)

    def choose_scalar_style(self) -> str:
        # PyYAML quotes the key `on` (YAML 1.1's true), but the routine's reader takes keys as written: a bare key.
        if self.simple_key_context and self.event.value == "on" and not self.event.style:
            self.event.implicit = (True, self.event.implicit[1])
            return ""
        return super().choose_scalar_style()

    def write_plain(self, text: str, split: bool = True) -> None:
        super().write_plain(text, split=False)  # a cue stays on its line, as people write them; long texts fold


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    numbers = bool(data) and all(isinstance(item, int) and not isinstance(item, bool) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=numbers)


def _represent_dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    node = dumper.represent_mapping("tag:yaml.org,2002:map", data)
    for key, value in node.value:
        if key.value in FOLDED and isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:str":
            value.style = ">"
    return node


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)


def dump(data: dict[str, Any]) -> str:
    """Return the routine's YAML: block style, keys in the order given, every text as it is."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=yamltext.WIDTH,
                     default_flow_style=False)


def header(lines: list[str]) -> str:
    """Return the comment that opens the file."""
    return "".join(f"# {line}\n" if line else "#\n" for line in lines)


class ClassText:
    """The words of a composed class: its title, introduction, sections and header, in the class's language."""

    def __init__(self, choices: Choices, book: Phrasebook, preset: str, cautions: frozenset[Caution]):
        self.choices = choices
        self.book = book
        self.preset = preset
        self.cautions = cautions

    def text(self, data: dict[str, Any]) -> str:
        """Return the routine file: its header, then its YAML."""
        return header(self.header()) + dump(data)

    def data(self, draft: Draft, items: list[Item]) -> tuple[dict, tuple[str, ...]]:
        """Return the routine as data, and a warning naming exercises with no text in the class's language."""
        book, language = self.book, self.choices.language
        sections, untranslated, place = [], [], 0
        for role, part in draft.sections:
            exercises = []
            for item in items[place:place + len(part)]:
                exercise, translated = _exercise(item, language)
                exercises.append(exercise)
                if not translated:
                    untranslated.append(item.form.name)
            # The phrasebook names each section by its role's name: section_warm_up.
            sections.append({"name": book.say(f"section_{role.name.lower()}"), "exercises": exercises})
            place += len(part)
        data = {"title": self.title(), "description": book.say("class_description"), "language": language,
                "pacing": {"preset": self.preset}, "intro": self.intro(), "sections": sections}
        warnings: tuple[str, ...] = ()
        if untranslated:
            warnings = (f"{len(untranslated)} exercise{'s have' if len(untranslated) != 1 else ' has'} no text in "
                        f"{languages_name(book)} ({book.tag}), so the English is spoken: {', '.join(untranslated)}",)
        return data, warnings

    def title(self) -> str:
        """Return the class's title: "Beginner class: upper back, 25 minutes"."""
        book, choices = self.book, self.choices
        level = book.say(f"level_{choices.level.value.replace('-', '_')}")
        minutes = f"{choices.length / 60:g}"
        if not choices.focus:
            return book.say("class_title_balanced", level=level, minutes=minutes)
        areas = [book.say(f"focus_{area.value.replace('-', '_')}") for area in choices.focus]
        return book.say("class_title", level=level, focus=joined(book, areas), minutes=minutes)

    def intro(self) -> str:
        """Return the welcome, and with --avoid the sentence that says what the class leaves out."""
        book = self.book
        lines = [book.say("class_welcome")]
        if self.choices.avoid:
            left = [book.say(f"caution_{caution.value.replace('-', '_')}") for caution in Caution
                    if caution in self.cautions]
            lines.append(book.say("class_left_out", cautions=joined(book, left)))
        return " ".join(lines)

    def header(self) -> list[str]:
        """Return the lines of the comment that opens the file: every choice, the seed, the command."""
        choices = self.choices
        return [
            f"Composed by pilates-audio {__version__} from its exercise library: a routine like any other, to edit,",
            "check and render. Not medical advice.",
            # Semicolons between the choices, as a choice may list several values.
            f"length {format_seconds(choices.length)}; level {choices.level.value}; "
            f"focus {', '.join(area.value for area in choices.focus) or 'none (balanced)'}; "
            f"avoid {', '.join(choices.avoid) or 'nothing'}; "
            f"props {', '.join(prop.value for prop in choices.props) or 'none'}; "
            f"language {choices.language}; pace {self.preset}; seed {choices.seed}",
            "The same command, with the same version of pilates-audio, writes this file again:",
            f"  {self.command()}",
        ]

    def command(self) -> str:
        """Return the command that composes the same class again."""
        choices, preset = self.choices, self.preset
        words = ["pilates-audio compose", f"--length {format_seconds(choices.length)}",
                 f"--level {choices.level.value}"]
        words += [f"--focus {area.value}" for area in choices.focus]
        words += [f"--avoid {name}" for name in choices.avoid]
        words += [f"--props {prop.value}" for prop in choices.props]
        words += [f"--language {choices.language}", f"--pace {preset}", f"--seed {choices.seed}"]
        return " ".join(words)


def languages_name(book: Phrasebook) -> str:
    from pilates_audio.languages import english_name

    return english_name(book.tag)


def joined(book: Phrasebook, items: list[str]) -> str:
    """Join words into a list the language's way: "upper back, core and balance"."""
    if len(items) == 1:
        return items[0]
    return book.say("list_and", items=", ".join(items[:-1]), last=items[-1])
