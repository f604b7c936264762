"""What commands tell on stderr: fitting's choices, warnings, progress and refusals of the operating system."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from pilates_audio import files

if TYPE_CHECKING:
    from pilates_audio.format import Routine


def report(routine: Routine, fitted: Any, warnings: tuple[str, ...]) -> None:
    """Tell, on stderr, what fitting chose and what did not fit."""
    if fitted is not None:
        for line in fitted.describe(routine):
            click.echo(f"{routine.path}: {line}" if not line.startswith(" ") else line, err=True)
    for warning in warnings:
        click.echo(f"warning: {routine.path}: {warning}", err=True)


class Progress:
    """A progress bar on stderr for one session; silent with -q."""

    def __init__(self, name: str, quiet: bool):
        self.name = name
        self.quiet = quiet
        self.bar = None
        self.stage = ""
        self.shown = 0

    def __enter__(self) -> Callable[[str, int, int], None]:
        return self.update

    def update(self, stage: str, done: int, total: int) -> None:
        if self.quiet or total <= 0 or not sys.stderr.isatty():
            return
        if stage != self.stage:
            self._close()
            self.stage = stage
            self.shown = 0
            self.bar = click.progressbar(length=total, label=f"{self.name}: {stage}", file=sys.stderr,
                                         show_eta=False, width=30)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __exit__(self, *exc: object) -> None:
        self._close()


def show_os_error(exc: OSError) -> None:
    """Say what the operating system refused, in one line."""
    if files.disk_full(exc):
        files.DiskFull(Path(exc.filename).parent if exc.filename else Path("the output folder")).show()
    else:
        click.echo(f"error: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), err=True)
