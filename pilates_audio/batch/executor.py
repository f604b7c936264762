"""What an executor is: it speaks a voicing's lines into the shared cache, and assembles sessions from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from pilates_audio import render
from pilates_audio.batch.plan import Job, Output, Voicing, date_outputs, stamp
from pilates_audio.errors import PilatesAudioError


@dataclass(frozen=True)
class Outcome:
    """What became of one session: its MP3 and length, or why it failed."""

    name: str
    mp3: str | None = None
    duration: float = 0.0
    warnings: tuple[str, ...] = ()
    error: str | None = None


class Executor(Protocol):
    """Runs the two phases of a batch, on this machine or elsewhere; the cache is what they share."""

    def speak(self, voicing: Voicing, lines: list[str], tick: Callable[[], None]) -> None:
        """Store a clip of every line in the cache, calling `tick` as each one is stored."""

    def assemble(self, jobs: list[Job], output: Output, done: Callable[[Outcome], None]) -> None:
        """Make every session (its clips are in the cache by now), calling `done` with each outcome."""


def make(job: Job, output: Output) -> Outcome:
    """Render one session with the tool's own render, then stamp it; a failure is an outcome, not an exception."""
    try:
        session = render.render(job.routine, job.pacing, output.folder, bitrate=output.bitrate, target=job.target,
                                loudness=output.loudness, name=job.name, split=output.split)
        if job.published is not None:
            date_outputs(output.folder, job.name, job.published)
        stamp(output.folder, job.name, job.inputs)  # last: a session stopped before this is made again
    except PilatesAudioError as exc:
        return Outcome(job.name, error=exc.format_message())
    except OSError as exc:
        return Outcome(job.name, error=f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
    return Outcome(job.name, str(session.mp3), session.duration, session.warnings)
