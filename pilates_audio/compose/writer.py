"""Writing a composed class as a routine file: its comment header, its keys, and each exercise with one dose."""

from __future__ import annotations

from typing import Any

from pilates_audio import languages
from pilates_audio.compose.dose import Item
from pilates_audio.compose.forms import DOSE_KEYS

WIDTH = 100  # columns the YAML is wrapped at


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


def exercise(item: Item, language: str) -> tuple[dict[str, Any], bool]:
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


def dump(data: dict[str, Any]) -> str:
    """Return the routine's YAML: block style, keys in the order given, every text as it is."""
    import yaml

    # libyaml's emitter where installed, as the phrasebooks are read with its loader: the same text, sooner.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=WIDTH, default_flow_style=False)


def header(lines: list[str]) -> str:
    """Return the comment that opens the file."""
    return "".join(f"# {line}\n" if line else "#\n" for line in lines)
