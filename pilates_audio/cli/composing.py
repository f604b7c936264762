"""The command that composes a class from the exercise library: compose."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click

from pilates_audio import settings
from pilates_audio.cli.help import Command, option
from pilates_audio.cli.options import OUTPUT, duration_seconds, pacing_value
from pilates_audio.errors import InputError

ROUTINES = Path("routines")  # where compose writes unless told: routines/ in the current folder


def _names() -> dict[str, str]:
    """Name the values the options take, from the library's model (imported only when help is shown)."""
    from pilates_audio.compose.model import CONDITIONS, Caution, Focus, Level, Prop

    return {"levels": ", ".join(level.value for level in Level), "areas": ", ".join(area.value for area in Focus),
            "props": ", ".join(prop.value for prop in Prop), "cautions": ", ".join(tag.value for tag in Caution),
            "conditions": "; ".join(f"{name} ({', '.join(tag.value for tag in tags)})"
                                    for name, tags in CONDITIONS.items())}


def _tags(kind: str, label: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """Turn an option's values into the model's tags (Level, Focus, Prop), one or many."""

    def convert(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        from pilates_audio.compose import model

        known = {tag.value: tag for tag in getattr(model, kind)}
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            if item.lower() not in known:
                raise click.BadParameter(f"unknown {label} '{item}'; choose from: {', '.join(known)}")
        found = tuple(known[item.lower()] for item in values)
        return found if isinstance(value, tuple) else found[0]

    return convert


@click.command("compose", cls=Command, short_help="Compose a class from the exercise library: a routine to render.",
               examples=(
    "pilates-audio compose  # today's 25-minute beginner class, in routines/",
    "pilates-audio compose --length 45m --level intermediate --focus upper-back --focus core",
    "pilates-audio compose --avoid pregnancy --avoid wrists --props band --render",
    "pilates-audio compose --seed 20261203 -o monday.yaml  # the same class again, to a file of its own",
), help="Compose a class from the exercise library and write it as a routine (YAML), to render or edit.\n\n"
        "The class has a centring, a warm-up, a main set and a cool-down ending in a relaxation, moves through "
        "the positions in order, and plays at the length asked for. Each day's class is new (the seed is the "
        "date unless --seed is given); the same choices and seed write the same file. Not medical advice.")
@option("--length", "length", group="Class", callback=duration_seconds, default="25m", show_default=True,
        metavar="DURATION", help="How long the class lasts, from 10m to 90m.")
@option("--level", group="Class", callback=_tags("Level", "level"), default="beginner", show_default=True,
        metavar="LEVEL", names=_names,
        help="Nothing harder than this level ({levels}); easier or harder variations where they fit.")
@option("--focus", group="Class", multiple=True, callback=_tags("Focus", "focus"), metavar="AREA", names=_names,
        help="An area to work, at least 60 % of the main set; repeat for several ({areas}). Default: balanced.")
@option("--avoid", group="Class", multiple=True, metavar="CONDITION|TAG", names=_names,
        help="Leave out what does not suit a condition, or has a caution; repeat for several. Conditions, with "
             "the cautions each leaves out: {conditions}. Cautions: {cautions}.")
@option("--props", group="Class", multiple=True, callback=_tags("Prop", "prop"), metavar="PROP", names=_names,
        help="A prop you have; repeat for several ({props}). Without it, only exercises needing a mat alone.")
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
def compose_command(length: float, level: Any, focus: tuple[Any, ...], avoid: tuple[str, ...],
                    props: tuple[Any, ...], seed: int | None, language: str, preset: str, path: Path | None,
                    then_render: bool, quiet: bool) -> None:
    from pilates_audio.compose.composer import Choices, compose
    from pilates_audio.format import format_clock

    choices = Choices(length=length, level=level, focus=focus, avoid=avoid, props=props, seed=seed,
                      language=language)
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
