"""The commands that plan and render sessions: render, script, check and pacing."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from pilates_audio import engines, settings
from pilates_audio.cli.help import Command, option
from pilates_audio.cli.options import (OUTPUT, check_bitrate, default_bitrate, default_loudness, length_option,
                                       length_target, max_length_option, music_settings, pacing_options,
                                       sample_exact_option, split_flags, split_option)
from pilates_audio.cli.report import Progress, report, show_os_error
from pilates_audio.errors import PilatesAudioError

if TYPE_CHECKING:
    from pilates_audio.format import Track

SHORTEST_PAUSE = 1.0  # seconds: `script` leaves shorter pauses out of its timeline (the gaps between lines)


@click.command("render", cls=Command, examples=(
    "pilates-audio render mat.yaml  # output/mat.mp3, its script, transcript, chapters",
    "pilates-audio render mat.yaml --length 20m --pace gentle",
    "pilates-audio render *.yaml --music calm.mp3 --music-level -18 -o ~/sessions",
))
@click.argument("routines", nargs=-1, required=True, type=click.Path(path_type=Path))
@length_option
@pacing_options
@max_length_option
@option("--music", "music", group="Music", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
        help="Music to play under the voice, instead of the routine's; give it again for a list played in turn.")
@option("--no-music", "no_music", group="Music", is_flag=True, help="Leave out the routine's music.")
@music_settings
@option("-o", "--output", "out_dir", group="Output", type=click.Path(file_okay=False, path_type=Path), default=OUTPUT,
        show_default=True, help="Folder to write sessions into (in the current folder unless a path is given).")
@option("--bitrate", group="Output", type=int, callback=check_bitrate, default=default_bitrate, show_default=True,
        metavar="KBPS", help="MP3 bitrate in kbps (constant): 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, "
                             "224, 256 or 320.")
@option("--loudness", group="Output", type=click.FloatRange(-40, -5), default=default_loudness,
        show_default=True, metavar="LUFS", help="Integrated loudness of the session (true peaks stay under -1 dBTP).")
@sample_exact_option
@split_option
@click.option("--watch", is_flag=True, help="Keep running and re-render whenever a routine or the pacing file is saved.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or warnings; errors only.")
def render_command(routines: tuple[Path, ...], out_dir: Path, bitrate: int, loudness: float, quiet: bool,
                   target: float | None, max_length: float | None, watch: bool, sample_exact: bool, split: bool,
                   music: tuple[Path, ...], no_music: bool, **kwargs: Any) -> None:
    """Render routines to MP3 sessions, each with its timed script (.json), transcript and chapters."""
    from pilates_audio import render

    if music and no_music:
        raise click.UsageError("--music and --no-music cannot be used together")
    output = dict(out_dir=out_dir, bitrate=bitrate, loudness=loudness, target=target, sample_exact=sample_exact,
                  split=split, max_length=max_length or render.MAX_LENGTH,
                  music=() if no_music else (render.music_tracks(music) if music else None))
    if watch:
        _watch(list(routines), kwargs.get("pacing_file"), lambda: render_routines(routines, quiet, dict(kwargs), **output),
               quiet)
        return
    render_routines(routines, quiet, kwargs, **output)


def render_routines(routines: tuple[Path, ...], quiet: bool, kwargs: dict, out_dir: Path, bitrate: int,
                    loudness: float, target: float | None, sample_exact: bool, max_length: float, split: bool = False,
                    music: tuple[Track, ...] | None = None) -> list[Path]:
    """Render each routine; return the other files they read (blocks they include, music they play)."""
    from pilates_audio import render
    from pilates_audio.format import format_clock, load_all

    pacing_path = kwargs.get("pacing_file")
    flags, pacing_file = split_flags(kwargs)
    # A routine named twice (`render a.yaml ./a.yaml`) is rendered once.
    loaded = load_all(list({os.path.realpath(path): path for path in routines}.values()))
    if music is not None:  # --music or --no-music: instead of what the routines name
        loaded = [replace(routine, music=music) for routine in loaded]
    render.check_outputs(loaded, out_dir, pacing_path, split=split)  # nothing a render writes may replace an input
    plans = [(r, render.effective_pacing(r, flags, pacing_file)[0]) for r in loaded]
    target = length_target(target, flags)
    for routine, pacing in plans:  # refuse a session too long, or a length out of reach, before any work
        render.planned(routine, pacing, target, max_length)
    for routine, pacing in plans:
        with Progress(routine.name, quiet) as progress:
            session = render.render(routine, pacing, out_dir, bitrate=bitrate, progress=progress, target=target,
                                    loudness=loudness, sample_exact=sample_exact, split=split)
        if not quiet:
            report(routine, session.fit, session.warnings)
        click.echo(f"{session.mp3}\t{format_clock(session.duration)}")
        if session.playlist is not None:
            click.echo(f"{session.playlist}\t{len(session.tracks)} tracks")
    # --watch renders again when any of these changes too: the blocks, and the music.
    return [path for routine in loaded for path in (*routine.includes, *(track.path for track in routine.music))]


WATCH_INTERVAL = 0.3  # seconds between looks at the watched files


def _watch(paths: list[Path], pacing_file: Path | None, run: Callable[[], list[Path]], quiet: bool) -> None:
    """Run once, then again each time a watched file (or a block one includes) changes, until interrupted."""
    watched = paths + ([pacing_file] if pacing_file is not None else [])
    included: list[Path] = []

    def stamps() -> list[tuple[int, int] | None]:
        result = []
        for path in watched + included:
            try:
                info = path.stat()
                result.append((info.st_mtime_ns, info.st_size))
            except OSError:
                result.append(None)
        return result

    if not quiet:
        click.echo(f"watching {', '.join(str(p) for p in watched)}; Ctrl-C to stop", err=True)
    try:
        while True:
            seen = stamps()
            try:
                found = run()
                if found != included:
                    included = found
                    seen = stamps()
            except PilatesAudioError as exc:
                # A half-typed routine is normal while editing: report it and keep watching.
                exc.show()
            except OSError as exc:
                # So is a folder made read-only, or a disk filled, for a moment: say so and watch on.
                show_os_error(exc)
            while stamps() == seen:
                time.sleep(WATCH_INTERVAL)
            # Let an editor finish writing before reading the file.
            time.sleep(WATCH_INTERVAL)
    except KeyboardInterrupt:
        if not quiet:
            click.echo("stopped watching", err=True)


@click.command(cls=Command, examples=(
    "pilates-audio script mat.yaml  # what is said when, estimated",
    "pilates-audio script mat.yaml --length 20m --pauses",
    "pilates-audio script mat.yaml --exact --json > mat.json  # as a render times it",
))
@click.argument("routine", type=click.Path(path_type=Path))
@length_option
@pacing_options
@max_length_option
@option("--json", "as_json", group="Output", is_flag=True, help="Print the timed script as JSON.")
@option("--pauses", "all_pauses", group="Output", is_flag=True,
        help=f"Show every pause in the timeline; by default those under {SHORTEST_PAUSE:g} s are left out.")
@option("--exact", group="Output", is_flag=True,
        help="Synthesize speech (cached) for the times a render gives, instead of estimating.")
@sample_exact_option
@click.option("-q", "--quiet", is_flag=True, help="No progress.")
def script(routine: Path, as_json: bool, all_pauses: bool, exact: bool, sample_exact: bool, quiet: bool,
           target: float | None, max_length: float | None, **kwargs: Any) -> None:
    """Print a routine's timed plan (estimated unless --exact)."""
    from pilates_audio import render
    from pilates_audio.format import load

    flags, pacing_file = split_flags(kwargs)
    loaded = load(routine)
    pacing, _ = render.effective_pacing(loaded, flags, pacing_file)
    target = length_target(target, flags)
    plan, fitted = render.planned(loaded, pacing, target, max_length or render.MAX_LENGTH)
    if exact:
        from pilates_audio import cache

        with Progress(loaded.name, quiet) as progress:
            plan, fitted = render.exact_script(loaded, pacing, render.voices_for(pacing),
                                               lambda done, total: progress("speaking", done, total), target)
        cache.after_render()  # what it spoke counts against the cache's bound as a render's does
        plan = render.placed(plan, sample_exact=sample_exact)
    click.echo(plan.dumps() if as_json else plan.to_text(0.0 if all_pauses else SHORTEST_PAUSE), nl=False)
    if not quiet:
        report(loaded, fitted, plan.warnings)


@click.command(cls=Command, examples=(
    "pilates-audio check mat.yaml",
    "pilates-audio check routines/*.yaml routines/blocks/*.yaml  # blocks too",
))
@click.argument("routines", nargs=-1, required=True, type=click.Path(path_type=Path))
@max_length_option
def check(routines: tuple[Path, ...], max_length: float | None) -> None:
    """Check routines and block files for problems without rendering anything."""
    from pilates_audio import render
    from pilates_audio.format import Block, format_clock, load_all, localized
    from pilates_audio.timing import SAMPLE_RATE

    for loaded in load_all(list(routines), blocks=True):
        count = len(loaded.exercises)
        if isinstance(loaded, Block):
            click.echo(f"{loaded.path}: ok (a block of {count} exercise{'s' if count != 1 else ''})")
            continue
        render.check_name(loaded)  # a name its session's files cannot have
        if loaded.music:
            from pilates_audio.sound.beds.music import Music

            Music(loaded.music)  # music that is not audio, is silent or too short, as render would say
        pacing, _ = render.effective_pacing(loaded, {})
        plan, _ = render.planned(loaded, pacing, max_length=max_length or render.MAX_LENGTH)
        report(loaded, None, localized.mismatched(loaded, pacing.language))  # lines in another language
        length = format_clock(plan.duration / SAMPLE_RATE)
        # A section's rounds play its exercises again: count each as written, and the rounds apart.
        written = sum(1 for exercise in loaded.exercises if exercise.round == 1)
        rounds = f", {count} with rounds" if count != written else ""
        click.echo(f"{loaded.path}: ok ({written} exercise{'s' if written != 1 else ''}{rounds}, about {length})")


@click.command("pacing", cls=Command, examples=(
    "pilates-audio pacing  # every setting's default",
    "pilates-audio pacing mat.yaml --pace brisk  # with mat.yaml's and the flag's",
    "pilates-audio pacing mat.yaml --pacing slow.pacing.yaml",
))
@click.argument("routine", required=False, type=click.Path(path_type=Path))
@pacing_options
@music_settings
def pacing_command(routine: Path | None, **kwargs: Any) -> None:
    """Print the effective pacing and where each setting came from."""
    from pilates_audio import render
    from pilates_audio.format import load

    flags, pacing_file = split_flags(kwargs)
    loaded = load(routine) if routine is not None else None
    pacing, sources = render.effective_pacing(loaded, flags, pacing_file)
    width = max(len(key) for key in settings.KEYS)
    for key in settings.KEYS:
        click.echo(f"{key:<{width}}  {_show(pacing, key):<18}  {sources[key]}")
    click.echo(f"{'breath':<{width}}  {pacing.breath:g}s")
    # Exercises with a pacing of their own: what each sets, and what a flag or pacing file keeps.
    for exercise in loaded.exercises if loaded is not None else ():
        if not exercise.pacing or exercise.round > 1:
            continue
        own = pacing.for_exercise(exercise.pacing)
        said = [f"{key} {_show(own, key)}" if key not in pacing.fixed else f"{key} (kept at {_show(pacing, key)} by "
                f"{sources[key]})" for key, _ in exercise.pacing]
        click.echo(f"exercise {exercise.name}: {', '.join(said)}")


def _show(pacing: settings.Pacing, key: str) -> str:
    """Write one pacing value as a person would type it."""
    from pilates_audio import speech

    value = getattr(pacing, key)
    if key == "transition":
        seconds = f"{pacing.transition_seconds:g}s"
        return f"{seconds} ({value})" if value.in_breaths else seconds
    if key in ("inhale", "exhale", "min_phase", "max_phase"):
        return f"{value:g}s"
    if isinstance(value, bool):
        return "true" if value else "false"
    if key == "engine" and value == engines.AUTO:
        return f"{value} ({speech.choose(value, pacing.voice, pacing.language).name})"
    return "(engine default)" if value is None else str(value)
