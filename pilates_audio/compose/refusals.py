"""Refusing choices a class cannot be made from, saying what to relax."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pilates_audio.compose.forms import Form
from pilates_audio.compose.model import SECTIONS, Level, Role
from pilates_audio.compose.selection import AREA_SHARE, FOCUS_SHARE
from pilates_audio.errors import InputError
from pilates_audio.format.units import format_seconds

if TYPE_CHECKING:
    from pilates_audio.compose.composer import Choices

MAIN_LEAST = 3  # main exercises a class has at least: three areas, none over 40 %
FOCUS_LEAST = 2  # of them on the focus, at least


class Refusals:
    """The refusals of one set of choices, from the exercises that suit them."""

    def __init__(self, choices: Choices, pools: dict[Role, list[Form]], on_focus: int):
        self.choices = choices
        self.pools = pools
        self.on_focus = on_focus

    def empty(self) -> None:
        """Refuse choices that leave a part of a class with no exercise at all, or too few on the focus."""
        for role in SECTIONS:
            if not self.pools[role]:
                raise InputError(f"no {role.value} exercise in the library suits {self.described()}; "
                                 f"relax {self.relax()}")
        if len(self.pools[Role.MAIN]) < MAIN_LEAST:
            mains, s = _main_exercises(len(self.pools[Role.MAIN]))
            raise InputError(f"{mains} in the library suit{s} {self.described()}, and a class needs {MAIN_LEAST}; "
                             f"relax {self.relax()}")
        if self.choices.focus and self.on_focus < FOCUS_LEAST:
            areas = ", ".join(area.value for area in self.choices.focus)
            mains, s = _main_exercises(self.on_focus)
            raise InputError(f"{mains} in the library work{s} {areas} and suit{s} {self.described()}; a class needs "
                             f"{FOCUS_LEAST}; relax {self.relax()}")

    def after(self, gap: float | None) -> InputError:
        """Return the refusal after every draw failed, naming what to relax.

        `gap` is the seconds the last draw could not reach (less than zero: went over), None if no draw kept the rules.
        """
        asked = format_seconds(self.choices.length)
        if gap is not None and gap > 0:
            return InputError(f"a {asked} class is longer than the exercises that suit {self.described()} can fill; "
                              f"ask for a shorter --length, or relax {self.relax()}")
        if gap is not None:
            return InputError(f"a {asked} class is too short for the exercises that suit {self.described()}; "
                              "ask for a longer --length")
        return InputError(f"the exercises that suit {self.described()} cannot make a class that keeps its rules "
                          f"(positions in order, each flexion countered, {FOCUS_SHARE:.0%} of the main set on the "
                          f"focus and no other area over {AREA_SHARE:.0%}); relax {self.relax()}")

    def described(self) -> str:
        """Say the choices that limit which exercises suit: "level beginner, avoid pregnancy, no props"."""
        choices = self.choices
        said = [f"level {choices.level.value}"]
        said += [f"focus {', '.join(area.value for area in choices.focus)}"] if choices.focus else []
        said += [f"avoid {', '.join(choices.avoid)}"] if choices.avoid else []
        said.append(f"props {', '.join(p.value for p in choices.props)}" if choices.props else "no props")
        return ", ".join(said)

    def relax(self) -> str:
        """Name the options to relax: those given, and --props and --level (--length for an advanced class)."""
        options = (["--focus"] if self.choices.focus else []) + (["--avoid"] if self.choices.avoid else [])
        options += ["--props", "--level" if self.choices.level is not Level.ADVANCED else "--length"]
        return ", ".join(options[:-1]) + " or " + options[-1]


def _main_exercises(count: int) -> tuple[str, str]:
    """Say how many main exercises there are, with the verb ending that agrees: ("only 1 main exercise", "s")."""
    if count == 0:
        return "no main exercise", "s"
    return (f"only {count} main exercise", "s") if count == 1 else (f"only {count} main exercises", "")
