"""The music files a routine names: where each was named, and what keeps a path from being one."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from pilates_audio.errors import InputError, Problem, ValidationError


@dataclass(frozen=True)
class Track:
    """One music file, and where it was named: a routine's line and column, or none for --music."""

    path: Path
    name: str  # as given, for messages and the timed script
    source: str | None = None  # the routine file that names it
    line: int = 0
    column: int = 0

    def refuse(self, message: str) -> InputError:
        """Return the error for a problem with this file, at the place it was named."""
        text = f"music file '{self.name}' {message}"
        if self.source is not None:
            return ValidationError([Problem(self.source, self.line, self.column, text)])
        return InputError(f"--music: {text}")


def problem(path: Path) -> str | None:
    """Say what keeps a path from being a music file, before any decoding (None if nothing)."""
    try:
        info = path.stat()
    except OSError:
        return "was not found"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a pipe, a device or a folder); give an audio file"
    if info.st_size == 0:
        return "is empty"
    return None
