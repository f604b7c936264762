"""Catalogues: many sessions from one manifest, planned first, each distinct line spoken once, then assembled.

`manifest` reads the manifest, `plan` expands it into sessions and the lines they
share, and an executor (`local`, or `ray_executor` on a Ray cluster) runs the two
phases: speech into the shared cache, then assembly with the tool's own render.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pilates_audio import files, speech
from pilates_audio.batch.executor import Executor, Outcome
from pilates_audio.batch.manifest import Manifest, load
from pilates_audio.batch.plan import STAMPS, Failure, Output, Plan, plan
from pilates_audio.format import format_clock
from pilates_audio.publish import SETTINGS_NAME, write_feed
from pilates_audio.timing import SAMPLE_RATE

__all__ = ["Executor", "Manifest", "Outcome", "Output", "Plan", "Summary", "describe", "load", "plan", "publish",
           "run"]


@dataclass(frozen=True)
class Summary:
    """What a batch did: sessions made, skipped as up to date, and failed with their reasons."""

    made: tuple[Outcome, ...]
    skipped: tuple[str, ...]
    failed: tuple[Failure, ...]
    speaking: float = 0.0  # seconds of the speech phase
    assembling: float = 0.0  # seconds of the assembly phase


def _reason(exc: BaseException) -> str:
    """Return the message of a failure, unwrapped from what a remote worker added around it."""
    cause = getattr(exc, "cause", None)  # a Ray task error carries the exception raised in the task
    exc = cause if isinstance(cause, BaseException) else exc
    return exc.format_message() if hasattr(exc, "format_message") else str(exc) or type(exc).__name__


def run(catalogue: Plan, executor: Executor, output: Output,
        progress: Callable[[int, int], None] | None = None) -> Summary:
    """Speak every missing line once, then assemble every session; a failure stops only the sessions it touches."""
    total = sum(len(group.missing) for group in catalogue.lines) + len(catalogue.jobs)
    count = 0

    def tick() -> None:
        nonlocal count
        count += 1
        if progress:
            progress(count, total)

    jobs = list(catalogue.jobs)
    failed = list(catalogue.failed)
    files.sweep(output.folder / STAMPS)  # stamps a run stopped while writing (kill -9) left half-made
    started = time.monotonic()
    for group in catalogue.lines:
        if not group.missing:
            continue
        try:
            executor.speak(group.voicing, list(group.missing), tick)
        except Exception as exc:  # one voice failing (a bad model, a line it cannot say) leaves the others
            reason = _reason(exc)
            failed += [Failure(job.name, reason) for job in jobs if job.voicing == group.voicing]
            jobs = [job for job in jobs if job.voicing != group.voicing]
    spoken = time.monotonic()
    made: list[Outcome] = []

    def finished(outcome: Outcome) -> None:
        tick()
        if outcome.error is None:
            made.append(outcome)
        else:
            failed.append(Failure(outcome.name, outcome.error))

    if jobs:
        output.folder.mkdir(parents=True, exist_ok=True)
        executor.assemble(jobs, output, finished)
    order = {job.name: index for index, job in enumerate(catalogue.jobs)}
    return Summary(tuple(sorted(made, key=lambda outcome: order[outcome.name])), catalogue.current, tuple(failed),
                   spoken - started, time.monotonic() - spoken)


def describe(catalogue: Plan) -> str:
    """Say what a batch would do: sessions, distinct lines per voicing, lines cached, and the work left."""
    out = [f"{catalogue.sessions} session{'s' if catalogue.sessions != 1 else ''}: {len(catalogue.jobs)} to make, "
           f"{len(catalogue.current)} up to date, {len(catalogue.failed)} failing"]
    speech_seconds = 0.0
    for group in catalogue.lines:
        engine = speech.engine(group.voicing.engine)
        seconds = sum(engine.estimate(text, group.voicing.rate) for text in group.missing) / SAMPLE_RATE
        speech_seconds += seconds
        out.append(f"  {group.voicing}: {len(group.lines)} distinct lines, {len(group.lines) - len(group.missing)} "
                   f"in the cache, {len(group.missing)} to speak (about {format_clock(seconds)} of speech)")
    to_speak = sum(len(group.missing) for group in catalogue.lines)
    assembled = sum(job.seconds for job in catalogue.jobs)
    out.append(f"work: {to_speak} line{'s' if to_speak != 1 else ''} to speak (about {format_clock(speech_seconds)} "
               f"of speech), {len(catalogue.jobs)} session{'s' if len(catalogue.jobs) != 1 else ''} to assemble "
               f"(about {format_clock(assembled)} of audio)")
    for failure in catalogue.failed:
        out.append(f"failing: {failure.name}: {failure.reason.splitlines()[0]}")
    return "\n".join(out) + "\n"


def publish(manifest: Manifest, folder: Path) -> Path | None:
    """Name the folder after the collection (feed.yaml, unless it has one) and write its feed if it has an address."""
    if manifest.collection and folder.is_dir():
        files.write_new(folder / SETTINGS_NAME,
                        f"title: {_yaml_text(manifest.collection)}\n".encode("utf-8"))
    if manifest.base_url is None or not folder.is_dir():
        return None
    path, _ = write_feed(folder, manifest.base_url, {"title": manifest.collection})
    return path


def _yaml_text(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string, whatever it holds
