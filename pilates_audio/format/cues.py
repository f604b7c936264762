"""Checking an exercise's cues: plain lines, and mappings that say when each is said."""

from __future__ import annotations

from typing import Any

from pilates_audio.format.keys import CUE_KEYS, DOING, PHASES
from pilates_audio.format.model import TiedCue
from pilates_audio.format.values import ValueChecker, shipped
from pilates_audio.format.yamlsrc import Node


class CueChecker(ValueChecker):
    """Check cues, and that a tied cue has a rep or a breath to be said on."""

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
        elif not set(DOING) & set(values):
            self.add(where, f'the cue "{cue.text}" is said on each {cue.on}, but the exercise has no reps, work or '
                            "hold to breathe through")


def _per_language(node: Node) -> bool:
    """Tell a cue given per language ({en: …, de: …}) from a cue mapping that says when ({say: …, on: exhale})."""
    if any(key in CUE_KEYS for key in node.value):
        return False
    return any(shipped(key) for key in node.value)
