"""Errors that the command line prints as one clean message each."""

from __future__ import annotations

from dataclasses import dataclass

import click


class PilatesAudioError(click.ClickException):
    """Base of every error a user can see; click prints it without a traceback."""

    exit_code = 1

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        # click's default prefixes "Error: "; our messages already say what failed.
        click.echo(f"error: {self.format_message()}", err=True)


class InputError(PilatesAudioError):
    """Invalid input or usage: exit status 2."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, at a place in it."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class ValidationError(InputError):
    """All the problems found in one or more input files."""

    def __init__(self, problems: list[Problem]):
        # A block included twice reports its problems once.
        self.problems = sorted(dict.fromkeys(problems), key=lambda p: (p.path, p.line, p.column))
        super().__init__("\n".join(str(p) for p in self.problems))

    def show(self, file=None) -> None:
        for problem in self.problems:
            click.echo(str(problem), err=True)
        count = len(self.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", err=True)
