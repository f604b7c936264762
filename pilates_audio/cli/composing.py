"""The command that composes a class from the exercise library: compose."""

from __future__ import annotations

from pathlib import Path

import click

from pilates_audio import settings
from pilates_audio.cli.help import Command, option
from pilates_audio.cli.options import OUTPUT, duration_seconds, pacing_value
from pilates_audio.compose.model import CONDITIONS, Caution, Focus, Level, Prop
from pilates_audio.errors import InputError

ROUTINES = Path("routines")  # where compose writes unless told: routines/ in the current folder
CONDITION_HELP = "; ".join(f"{name} ({', '.join(caution.value for caution in cautions)})"
                           for name, cautions in CONDITIONS.items())


def _values(enum: type) -> list[str]:
    return [member.value for member in enum]


@click.command("compose", cls=Command, short_help="Compose a class from the exercise library: a routine to render.",
               examples=(
    "pilates-audio compose  # today's 25-minute beginner class, in routines/",
    "pilates-audio compose --length 45m --level intermediate --focus upper-back --focus core",
    "pilates-audio compose --avoid pregnancy --avoid wrists --props band --render",
    "pilates-audio compose --seed 20261203 -o monday.yaml  # the same class again, to a file of its own",
), help="Compose a class from the exercise library and write it as a routine (YAML), to render or edit.\n\n"
        "The class has a centring, a warm-up, a main set and a cool-down ending in a relaxation, moves through "
        "the positions in order, and plays at the length asked for. Each day's class is new (the seed is the "
        "date unless --seed is given); the same choices and seed write the same file. Not medical advice.\n\n"
        f"Conditions --avoid takes, with the cautions each leaves out: {CONDITION_HELP}.")
@option("--length", "length", group="Class", callback=duration_seconds, default="25m", show_default=True,
        metavar="DURATION", help="How long the class lasts, from 10m to 90m.")
@option("--level", group="Class", type=click.Choice(_values(Level)), default=Level.BEGINNER.value,
        show_default=True, help="Nothing harder than this level; easier or harder variations where they fit.")
@option("--focus", group="Class", multiple=True, type=click.Choice(_values(Focus)),
        help="An area to work (give it again for more): at least 60 % of the main set. Default: balanced.")
@option("--avoid", group="Class", multiple=True, metavar="CONDITION|TAG",
        help=f"Leave out what does not suit a condition ({', '.join(CONDITIONS)}) or has a caution "
             f"({', '.join(_values(Caution))}); give it again for more.")
@option("--props", group="Class", multiple=True, type=click.Choice(_values(Prop)),
        help="A prop you have (give it again for more); without it, only exercises needing a mat alone.")
@option("--seed", group="Class", type=click.IntRange(min=0), metavar="N",
        help="Draw the class from this seed (default: today's date, as YYYYMMDD).")
@option("--language", group="Class", callback=pacing_value("language"), default="en", show_default=True,
        metavar="TAG", help="The class's language: the words the tool adds, and the exercises' texts where they "
                            "have one in it.")
@option("--pace", "preset", group="Class", type=click.Choice(list(settings.PRESETS)), default="standard",
        show_default=True, help="The pacing preset the class is timed at and written with.")
@option("-o", "--output", "path", group="Output", type=click.Path(dir_okay=False, path_type=Path),
        help=f"File to write (never replaced). Default: a new file in {ROUTINES}/ named from the date and choices.")
@option("--render", "then_render", group="Output", is_flag=True,
        help=f"Then render it, as `render` does, into {OUTPUT}/.")
@click.option("-q", "--quiet", is_flag=True, help="No summary or warnings; errors only.")
def compose_command(length: float, level: str, focus: tuple[str, ...], avoid: tuple[str, ...],
                    props: tuple[str, ...], seed: int | None, language: str, preset: str, path: Path | None,
                    then_render: bool, quiet: bool) -> None:
    from pilates_audio.compose.composer import Choices, compose
    from pilates_audio.format import format_clock

    choices = Choices(length=length, level=Level(level), focus=tuple(Focus(area) for area in focus), avoid=avoid,
                      props=tuple(Prop(prop) for prop in props), seed=seed, language=language)
    pacing = settings.resolve([settings.Layer("flag", {"preset": preset, "language": language})])[0]
    composed = compose(choices, pacing)
    written = _write(composed.text.encode("utf-8"), path, composed.name)
    click.echo(str(written))
    if not quiet:
        count = len(composed.routine.exercises)
        click.echo(f"{written}: {format_clock(composed.seconds)} planned, {count} exercises, seed {composed.seed}",
                   err=True)
        for warning in composed.warnings:
            click.echo(f"warning: {written}: {warning}", err=True)
    if then_render:
        _render(written, quiet)


def _write(data: bytes, path: Path | None, name: str) -> Path:
    """Write a new file, never replacing one: -o FILE as given, else routines/NAME.yaml, NAME-2.yaml, …"""
    from pilates_audio import files

    if path is not None:
        if path.is_dir():
            raise InputError(f"{path} is a folder; give a file name with -o")
        path.parent.mkdir(parents=True, exist_ok=True)
        if not files.write_new(path, data):
            raise InputError(f"{path} already exists; choose another file with -o, or leave -o out to write a new "
                             f"file in {ROUTINES}/")
        return path
    ROUTINES.mkdir(parents=True, exist_ok=True)
    number = 1
    while True:
        candidate = ROUTINES / (f"{name}.yaml" if number == 1 else f"{name}-{number}.yaml")
        if files.write_new(candidate, data):
            return candidate
        number += 1


def _render(path: Path, quiet: bool) -> None:
    """Render the written class as `render` would, into the default output folder."""
    from pilates_audio import render
    from pilates_audio.cli.options import default_bitrate, default_loudness
    from pilates_audio.cli.sessions import render_routines

    render_routines((path,), quiet, {}, out_dir=OUTPUT, bitrate=default_bitrate(), loudness=default_loudness(),
                    target=None, sample_exact=False, max_length=render.MAX_LENGTH)
