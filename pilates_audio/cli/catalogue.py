"""The batch command: a catalogue of sessions from a manifest."""

from __future__ import annotations

import datetime
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from pilates_audio.cli.help import Command
from pilates_audio.cli.options import OUTPUT, SPLIT_HELP
from pilates_audio.cli.report import Progress
from pilates_audio.errors import PilatesAudioError


@click.command("batch", cls=Command, examples=(
    "pilates-audio batch catalogue.yaml --dry-run  # what it would make",
    "pilates-audio batch catalogue.yaml -o site --workers 2",
    "pilates-audio batch catalogue.yaml --ray  # on Ray, started on this machine",
))
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=OUTPUT,
              show_default=True, help="Folder to write the catalogue into.")
@click.option("--workers", type=click.IntRange(1), default=None, metavar="N",
              help="Processes to speak and assemble with (default: one per core, or every CPU of the Ray cluster).")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
              help="Run on Ray: alone, a Ray runtime started on this machine; with an address (such as "
                   "10.0.0.5:6379), the cluster there. Needs pilates-audio[ray] and a cache every node can write.")
@click.option("--split", is_flag=True, help=SPLIT_HELP)
@click.option("--dry-run", is_flag=True, help="Print the plan (sessions, distinct lines, lines cached, work left) "
                                              "and make nothing.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary; errors only.")
def batch_command(manifest: Path, out_dir: Path, workers: int | None, ray_address: str | None, split: bool,
                  dry_run: bool, quiet: bool) -> None:
    """Render a catalogue: every routine of MANIFEST in every variant it lists, each distinct line spoken once.

    Sessions already made from the same inputs are skipped, so a stopped run continues
    where it stopped. A manifest names the routines (files or patterns, relative to it)
    and the variants to make of each; every combination is made, except those excluded:

    \b
      collection: Upper back          # the title of the catalogue's feed
      routines: [routines/*.yaml]
      variants:
        pace: [gentle, standard]      # presets, or pacing files
        length: [15m, 20m]            # as --length
        language: [en, de]            # also: voice, engine
      exclude:
        - {pace: gentle, length: 15m}
      base_url: https://example.org/upper-back/   # optional: write feed.xml for it

    Instead of (or besides) routines, compose: classes from the exercise library, one a
    day, each held back from the feed until its day:

    \b
      compose:
        - {length: 30m, level: beginner, focus: [upper-back], days: 7}
    """
    from pilates_audio import batch
    from pilates_audio.format import format_clock

    started = time.monotonic()
    loaded = batch.load(manifest)
    output = batch.Output(out_dir, split=split)
    workers_here = workers if ray_address is None else None
    if dry_run:
        _dry_run(loaded, output, workers_here)
        return
    loaded = _with_classes(loaded, out_dir, quiet)
    catalogue = batch.plan(loaded, output, workers_here)
    if ray_address is None:
        from pilates_audio.batch.local import LocalExecutor

        executor: Any = LocalExecutor(workers)
    else:
        from pilates_audio.batch.ray_executor import RayExecutor

        executor = RayExecutor(ray_address, workers)
    try:
        with Progress(loaded.collection or manifest.stem, quiet) as progress:
            summary = batch.run(catalogue, executor, output, lambda done, total: progress("making", done, total))
    finally:
        executor.close()
    for outcome in summary.made:
        click.echo(f"{outcome.mp3}\t{format_clock(outcome.duration)}")
    feed_path = batch.publish(loaded, out_dir)
    if not quiet:
        if feed_path is not None:
            click.echo(f"feed: {feed_path}", err=True)
        click.echo(f"made {len(summary.made)}, skipped {len(summary.skipped)} (up to date), failed "
                   f"{len(summary.failed)}, in {time.monotonic() - started:.1f} s (speech {summary.speaking:.1f} s, "
                   f"assembly {summary.assembling:.1f} s)", err=True)
    for failure in summary.failed:
        lines = failure.reason.splitlines() or [""]
        click.echo(f"failed: {failure.name}: {lines[0]}", err=True)
        for line in lines[1:]:
            click.echo(f"  {line}", err=True)
    if summary.failed:
        names = ", ".join(failure.name for failure in summary.failed)
        raise PilatesAudioError(f"{len(summary.failed)} of {catalogue.sessions} sessions failed: {names}")


def _with_classes(loaded: Any, out_dir: Path, quiet: bool) -> Any:
    """Write the manifest's composed classes into the output's routines/ and return it with them as routines."""
    from pilates_audio.batch import daily

    classes = daily.classes(loaded, out_dir, datetime.date.today())
    notice = daily.kept(classes)
    if notice and not quiet:
        click.echo(notice, err=True)
    return daily.joined(loaded, classes)


def _dry_run(loaded: Any, output: Any, workers: int | None) -> None:
    """Print the composed classes a run would write and the plan, writing nothing where the run would."""
    from pilates_audio import batch
    from pilates_audio.batch import daily

    classes = daily.classes(loaded, output.folder, datetime.date.today())
    with tempfile.TemporaryDirectory() as scratch:  # the new classes are planned from here: the same files
        catalogue = batch.plan(daily.joined(loaded, classes, Path(scratch)), output, workers)
    click.echo(daily.describe(classes) + batch.describe(catalogue), nl=False)
