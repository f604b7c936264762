"""Checking one exercise: its words, its dose (reps, work, hold, rest), its sides and its own pacing."""

from __future__ import annotations

from typing import Any

from pilates_audio import settings
from pilates_audio.format.cues import CueChecker
from pilates_audio.format.keys import ALTERNATE, EXERCISE, EXERCISE_KEYS, MAX_PULSES, find
from pilates_audio.format.model import Exercise, default_kind
from pilates_audio.format.yamlsrc import Node

# What an exercise may leave unset (None); any other field left None means a problem was found.
_OPTIONAL = ("section", "reps_max", "hold_each_max", "work_max", "hold_max", "rest_max", "switch", "pulses")


def _lacks(values: dict[str, Node], key: str) -> bool:
    """Tell whether an exercise has none of the keys its `key` needs beside it."""
    return not set(find(EXERCISE, key).needs) & set(values)


class ExerciseChecker(CueChecker):
    """Check an exercise's keys, each in turn, and what each needs beside it."""

    def exercise(self, node: Node, section: str | None) -> Exercise | None:
        if not node.is_mapping:
            self.add(node, "each exercise must be a mapping with at least a name")
            return None
        self.keys(node, EXERCISE_KEYS, "exercise")
        fields: dict[str, Any] = {"section": section}
        values = node.value
        self.words(values, node, fields)
        self.dose(values, fields)
        self.repeats(values, fields)
        if "kind" in values:
            fields["kind"] = self.kind(values["kind"])
        elif fields.get("name"):
            fields["kind"] = default_kind(fields["name"], "reps" in values, "work" in values)
        if any(value is None for key, value in fields.items() if key not in _OPTIONAL) or "name" not in fields:
            return None
        return Exercise(**fields)

    def words(self, values: dict[str, Node], node: Node, fields: dict[str, Any]) -> None:
        """Check what the exercise says: its name, setup and cues."""
        if "name" not in values:
            self.add(node, "missing required key 'name'")
        else:
            fields["name"] = self.text(values["name"], "name")
        if "setup" in values:
            fields["setup"] = self.said(values["setup"], "setup")
        if "cues" in values:
            cues = self.cues(values["cues"])
            fields["cues"], fields["tied"] = cues if cues else (None, None)

    def dose(self, values: dict[str, Node], fields: dict[str, Any]) -> None:
        """Check how much the exercise does: reps, breaths per rep, work, hold, rest, and a hold on each rep."""
        if "reps" in values:
            span = self.reps(values["reps"])
            fields["reps"], fields["reps_max"] = span if span else (None, None)
        if "breaths_per_rep" in values:
            fields["breaths_per_rep"] = self.positive_number(values["breaths_per_rep"], "breaths_per_rep")
            if _lacks(values, "breaths_per_rep"):
                self.add(values["breaths_per_rep"], "breaths_per_rep needs reps")
        for key in ("work", "hold", "rest"):
            if key in values:
                span = self.duration(values[key], key, zero=key == "rest")  # a rest of zero is none
                fields[key], fields[f"{key}_max"] = span if span else (None, None)
        if "hold_each" in values:
            span = self.duration(values["hold_each"], "hold_each", breaths=False)
            fields["hold_each"], fields["hold_each_max"] = span if span else (None, None)
            if _lacks(values, "hold_each"):
                self.add(values["hold_each"], "hold_each needs reps (it holds still at the top of each one)")
        for cue in fields.get("tied") or ():
            self.check_tied(cue, values, fields.get("reps_max") or fields.get("reps"))

    def repeats(self, values: dict[str, Node], fields: dict[str, Any]) -> None:
        """Check how the exercise repeats and paces itself: sides, pacing, pulses, reverse and switch."""
        if "sides" in values:
            fields["sides"] = self.sides(values["sides"])
            if fields["sides"] == ("alternate",):
                fields["sides"], fields["alternating"] = (), ALTERNATE
                if "reps" not in values:
                    self.add(values["sides"], "sides: alternate needs reps, each on the other side")
            elif _lacks(values, "sides"):
                self.add(values["sides"], "sides needs reps, work or a hold to repeat on each side")
        if "pacing" in values:
            fields["pacing"] = self.own_pacing(values["pacing"])
        if "pulses" in values:
            pulses = self.positive_int(values["pulses"], "pulses")
            if pulses is not None and not 2 <= pulses <= MAX_PULSES:
                self.add(values["pulses"], f"pulses must be from 2 to {MAX_PULSES} (counts in each inhale and exhale)")
            elif pulses is not None and _lacks(values, "pulses"):
                self.add(values["pulses"], "pulses needs reps, work or a hold to pulse through")
            fields["pulses"] = pulses
        if "reverse" in values:
            fields["reverse"] = self.flag(values["reverse"], "reverse")
            if _lacks(values, "reverse"):
                self.add(values["reverse"], "reverse needs reps, to do again the other way")
        if "switch" in values:
            span = self.duration(values["switch"], "switch", zero=True)
            if span and span[1] is not None:
                self.add(values["switch"], "switch is one duration, not a range")
                span = None
            fields["switch"] = span[0] if span else None
            # Not _lacks: sides that are not valid leave nothing to change over between.
            if not fields.get("sides") and not fields.get("alternating") and "reverse" not in values:
                self.add(values["switch"], "switch needs sides or reverse: it is the time to change over")

    def own_pacing(self, node: Node) -> tuple[tuple[str, Any], ...]:
        """Check an exercise's own pacing: only the settings one exercise may set."""
        own = self.pacing(node)
        for key in list(own):
            if key not in settings.EXERCISE_KEYS:
                self.add_at(node.key_marks[key],
                            f"{key} cannot be set for one exercise; set it in the routine's pacing (an exercise "
                            f"may set {', '.join(settings.EXERCISE_KEYS)})")
                del own[key]
        return tuple(own.items())
