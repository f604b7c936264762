"""The local executor: speech workers and a pool of processes over this machine's cores."""

from __future__ import annotations

from typing import Callable

from pilates_audio import speech
from pilates_audio.batch import processes
from pilates_audio.batch.executor import Outcome, make
from pilates_audio.batch.plan import Job, Output, Voicing


class LocalExecutor:
    """Speak and assemble on this machine, with `workers` processes (default: one per core)."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or speech.cores()

    def speak(self, voicing: Voicing, lines: list[str], tick: Callable[[], None]) -> None:
        # The speech pool keeps each worker's engine and voice loaded across all the lines.
        voicing.speech(workers=self.workers).ensure(lines, lambda done, total: tick())

    def assemble(self, jobs: list[Job], output: Output, done: Callable[[Outcome], None]) -> None:
        for _, outcome in processes.each(make, [(job, output) for job in jobs], self.workers):
            done(outcome)

    def close(self) -> None:
        """Nothing to let go: each phase's processes end with it."""
