"""The command that lists the exercise library, or shows one exercise of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from pilates_audio.cli.help import Command, FilledHelp

if TYPE_CHECKING:
    from pilates_audio.compose import Move


def _choices() -> dict[str, str]:
    """Name each filter's values for the help, from the model (imported only when help is shown)."""
    from pilates_audio.compose.model import CONDITIONS, Focus, Level, Position

    return {"levels": ", ".join(level.value for level in Level), "areas": ", ".join(area.value for area in Focus),
            "positions": ", ".join(position.value for position in Position), "conditions": ", ".join(CONDITIONS)}


def _tags(kind: str, label: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """Turn an option's values into the model's tags (Level, Focus, Position), one or many."""

    def convert(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        from pilates_audio.compose import model

        tags = getattr(model, kind)
        values = value if isinstance(value, tuple) else () if value is None else (value,)
        known = {tag.value: tag for tag in tags}
        for item in values:
            if item.lower() not in known:
                raise click.BadParameter(f"unknown {label} '{item}'; choose from: {', '.join(known)}")
        found = tuple(known[item.lower()] for item in values)
        return found if isinstance(value, tuple) else (found[0] if found else None)

    return convert


@click.command("exercises", cls=Command, examples=(
    "pilates-audio exercises  # one a line: name, level, position, focus, cautions",
    "pilates-audio exercises --level beginner --avoid wrists",
    "pilates-audio exercises --focus core --focus upper-back --position supine",
    "pilates-audio exercises swan  # all of one exercise, with its easier and harder ways",
    "pilates-audio exercises --json > library.json",
))
@click.argument("words", metavar="[NAME]", nargs=-1)
@click.option("--level", metavar="LEVEL", callback=_tags("Level", "level"), cls=FilledHelp, names=_choices,
              help="Only exercises with a way at most this level ({levels}); the line shows that way.")
@click.option("--focus", metavar="AREA", multiple=True, callback=_tags("Focus", "focus"), cls=FilledHelp,
              names=_choices, help="Only exercises that work this area; repeat for any of several ({areas}).")
@click.option("--avoid", metavar="TAG|CONDITION", multiple=True, cls=FilledHelp, names=_choices,
              help="Only exercises with a way free of this caution, or of a condition's ({conditions}); repeat "
                   "to avoid several.")
@click.option("--position", metavar="POSITION", multiple=True, callback=_tags("Position", "position"),
              cls=FilledHelp, names=_choices, help="Only exercises done in this position; repeat for any of several "
                                                   "({positions}).")
@click.option("--json", "as_json", is_flag=True, help="Print every field of each exercise as JSON.")
@click.option("--library", "folder", metavar="FOLDER", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Read the exercises from this folder instead of the library that ships with the package.")
def exercises_command(words: tuple[str, ...], level: Any, focus: tuple, avoid: tuple[str, ...], position: tuple,
                      as_json: bool, folder: Path | None) -> None:
    """List the exercise library, or show one exercise in full.

    One exercise a line, tab-separated: name, level, position, focus areas and cautions (several in a field
    separated by ", "; - for none). With NAME (its name, another name, its file's name or a variation's), show
    that exercise in full. An exercise is listed when one way of it (easier, as written or harder) is at most
    --level and free of every --avoid; the line shows that way: as written if it fits, else the easier, else the
    harder.
    """
    from pilates_audio.compose import library

    name = " ".join(words) or None  # a name of several words needs no quotes
    found = library.load_library(folder.resolve(), str(folder)) if folder is not None else library.load_library()
    if name is not None:
        if level or focus or avoid or position:
            raise click.UsageError("give an exercise's NAME, or filters to list the library, not both")
        move = found.named(name)
        data = library.as_data(move)
        click.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else "\n".join(shown(move)))
        return
    chosen = found.select(level, focus, position, library.avoided(avoid))
    if as_json:
        click.echo(json.dumps([library.as_data(move) for move, _ in chosen], indent=2, ensure_ascii=False))
    for move, way in () if as_json else chosen:
        fields = (way.name, way.level.value, move.position.value, _joined(move.focus), _joined(way.cautions))
        click.echo("\t".join(fields))
    if not chosen:
        click.echo(f"no exercise of the {len(found.moves)} in the library fits", err=True)


def _joined(tags: tuple) -> str:
    return ", ".join(tag.value for tag in tags) or "-"


def shown(move: Move) -> list[str]:
    """Return the lines that show one exercise readably: what it is, then how it is done, then its variations."""
    lines = [f"{move.name} ({move.id})"]
    if move.also:
        lines.append(f"also: {', '.join(move.also)}")
    lines += [f"level: {move.level.value}", f"position: {move.position.value}", f"focus: {_joined(move.focus)}",
              f"role: {_joined(move.roles)}", f"props: {_joined(move.props) if move.props else 'none'}",
              f"cautions: {_joined(move.cautions) if move.cautions else 'none'}", f"shape: {move.shape.value}",
              f"counters: {_joined(move.counters) if move.counters else 'none'}"]
    lines += _how(move.routine_keys, "")
    for which, variation in (("easier", move.easier), ("harder", move.harder)):
        if variation is None:
            continue
        keys = dict(variation.keys)
        lines.append(f"{which}: {keys.get('name', move.name)} ({variation.level.value})")
        if variation.cautions != move.cautions:
            lines.append(f"  cautions: {_joined(variation.cautions) if variation.cautions else 'none'}")
        if variation.props != move.props:
            lines.append(f"  props: {_joined(variation.props) if variation.props else 'none'}")
        lines += _how(keys, "  ")
    return lines


def _how(keys: dict[str, Any], indent: str) -> list[str]:
    """Return the lines of the routine keys: the setup, the cues, and the dose (everything else), in that order."""
    lines = [f"{indent}setup: {_text(keys['setup'])}"] if "setup" in keys else []
    if "cues" in keys:
        lines.append(f"{indent}cues:")
        cues = keys["cues"] if isinstance(keys["cues"], list) else [keys["cues"]]
        lines += [f"{indent}  - {_cue(cue)}" for cue in cues]
    dose = [_dose(key, value) for key, value in keys.items() if key not in ("name", "setup", "cues")]
    if dose:
        lines.append(f"{indent}dose: {', '.join(dose)}")
    return lines


def _text(value: Any) -> str:
    """Return a text as one line: given once, or (given per language) the English, else the first."""
    if isinstance(value, dict):
        return str(value.get("en", next(iter(value.values()))))
    return str(value)


def _cue(cue: Any) -> str:
    if not isinstance(cue, dict) or "say" not in cue:
        return _text(cue)
    if "at" in cue:
        return f"at rep {cue['at']}: {_text(cue['say'])}"
    when = f"on each {cue.get('on')}"
    when += f" of reps {', '.join(str(rep) for rep in cue['reps'])}" if "reps" in cue else ""
    when += f", every {cue['every']} reps" if "every" in cue else ""
    return f"{when}: {_text(cue['say'])}"


def _dose(key: str, value: Any) -> str:
    words = key.replace("_", " ")
    if isinstance(value, dict):
        return f"{words} ({', '.join(f'{name} {item}' for name, item in value.items())})"
    if value is True:
        return words
    return f"{words} {value}"
