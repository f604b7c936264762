"""The commands about what a render draws on: new, schema, voices and cache."""

from __future__ import annotations

from pathlib import Path

import click

from pilates_audio import engines, files, languages
from pilates_audio.cli.help import Command, FilledHelp, Group
from pilates_audio.cli.options import pacing_value
from pilates_audio.errors import InputError


def _other_languages() -> dict[str, str]:
    """Name the languages besides the default, read from the phrasebooks when help is shown."""
    return {"languages": ", ".join(languages.offered()[1:])}


@click.command(cls=Command, examples=(
    'pilates-audio new "Morning mat"  # writes morning-mat.yaml',
    'pilates-audio new "Rückenschule" --language de',
    'pilates-audio new "Morning mat" -o - | less',
))
@click.argument("title")
@click.option("-o", "--output", "path", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="File to write (default: the title in lower case with dashes, e.g. my-routine.yaml); - prints it.")
@click.option("--force", is_flag=True, help="Replace the file if it already exists.")
@click.option("--language", cls=FilledHelp, names=_other_languages, callback=pacing_value("language"),
              default=languages.DEFAULT, show_default=True, metavar="TAG",
              help="Write the starter's spoken lines in this language ({languages}); notes stay English.")
def new(title: str, path: Path | None, force: bool, language: str) -> None:
    """Write a commented starter routine called TITLE, showing every feature, ready to edit."""
    from pilates_audio.format import starter

    if path is not None and str(path) == "-":
        click.echo(starter.starter(title, None, language), nl=False)
        return
    path = path if path is not None else Path(starter.file_name(title))
    data = starter.starter(title, path, language).encode("utf-8")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file name with -o")
    if force:
        files.write_atomic(path, data)
    elif not files.write_new(path, data):
        raise InputError(f"{path} already exists; choose another file with -o, or add --force to replace it")
    click.echo(str(path))
    click.echo(f"next: edit it, then `pilates-audio check {path}` and `pilates-audio render {path}`", err=True)


@click.command("schema", cls=Command, examples=(
    "pilates-audio schema > routine.schema.json",
    "pilates-audio schema --path",
))
@click.option("--path", "show_path", is_flag=True, help="Print where the installed schema file is, instead of it.")
def schema_command(show_path: bool) -> None:
    """Print the routine format as a JSON Schema (draft 2020-12), for editors to check routines as you type."""
    from pilates_audio.format import schema

    if show_path:
        click.echo(str(schema.SHIPPED))
    else:
        click.echo(schema.SHIPPED.read_text(encoding="utf-8"), nl=False)


@click.command(cls=Command, examples=(
    "pilates-audio voices",
    "pilates-audio voices --all | cut -f 1,2,4  # engine, id, language",
    "pilates-audio voices --download en_US-lessac-medium",
))
@click.option("--engine", "engine_name", type=click.Choice(list(engines.NAMES)), default=None,
              help="List only this engine's voices.")
@click.option("--all", "every", is_flag=True, help="List every engine's voices, not only the engine in use and Piper.")
@click.option("--download", metavar="NAME",
              help="Fetch a Piper voice (such as en_US-lessac-medium) into the voices folder.")
def voices(engine_name: str | None, every: bool, download: str | None) -> None:
    """List the voices --voice accepts: engine, id, name, language, quality and where it was found.

    The engine in use comes first, then Piper's voices; a line on stderr heads each engine.
    """
    from pilates_audio import speech
    from pilates_audio.speech import piper_engine

    if download is not None:
        click.echo(str(piper_engine.download(download)))
        return
    in_use = _engine_in_use()
    listed = [name for name in (in_use, *engines.NAMES) if name is not None]
    listed = list(dict.fromkeys([engine_name] if engine_name else listed))  # each once, the one in use first
    shown = listed if engine_name or every or in_use is None else list(dict.fromkeys([in_use, piper_engine.NAME]))
    for name in listed:
        try:
            found = [voice for _, voice in speech.list_voices(name)]
        except speech.VoiceError as exc:
            if name in shown and (engine_name or name == piper_engine.NAME):
                click.echo(f"{name}: {exc}", err=True)  # not installed: say how to install it
            continue
        count = f"{len(found)} voice{'s' if len(found) != 1 else ''}"
        if name not in shown:
            click.echo(f"{name}'s {count} are left out; --all lists them", err=True)
            continue
        if not found:  # only Piper has voices to fetch; eSpeak NG comes with its own
            click.echo(f"{name}: no voice installed; fetch one with "
                       f"`pilates-audio voices --download {piper_engine.DEFAULT_VOICE}`", err=True)
            continue
        click.echo(f"{name}{' (in use)' if name == in_use else ''}: {count} installed", err=True)
        for voice in found:
            fields = (name, voice.id, voice.name, ", ".join(voice.languages), voice.quality, voice.source)
            click.echo("\t".join(field or "-" for field in fields))


def _engine_in_use() -> str | None:
    """Return the engine a render with no flags would speak with, or None where none can."""
    from pilates_audio import speech
    from pilates_audio.render import effective_pacing

    pacing, _ = effective_pacing(None, {})
    try:
        return speech.choose(pacing.engine, pacing.voice, pacing.language).name
    except speech.VoiceError:
        return None


KIND_NAMES = {"clips": "spoken lines", "pieces": "encoded audio", "levels": "loudness notes",
              "models": "voice model checksums", "music": "decoded music"}


def _size(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    from pilates_audio import cache

    try:
        return None if value is None else cache.parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _age(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    from pilates_audio import cache

    try:
        return None if value is None else cache.parse_age(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group("cache", cls=Group, invoke_without_command=True, examples=(
    "pilates-audio cache",
    "pilates-audio cache prune --max-size 500MB",
))
@click.pass_context
def cache_command(ctx: click.Context) -> None:
    """Show where the cache is and what it holds, by kind and by voice (see `cache prune`)."""
    from pilates_audio import cache

    bound = cache.check()
    if ctx.invoked_subcommand is not None:
        return
    found = cache.usage()
    width = max(len(share.voice) for share in found.voices) if found.voices else 0
    click.echo(f"cache: {found.root}")
    click.echo(f"holds: {cache.format_size(found.total)} in {found.entries:,} "
               f"entr{'y' if found.entries == 1 else 'ies'}; "
               + (f"pruned to {cache.format_size(bound)} after each render ({cache.MAX_ENV})" if bound
                  else f"no bound ({cache.MAX_ENV}=0)"))
    for kind, size in found.kinds:
        click.echo(f"  {kind:<7} {cache.format_size(size):>8}  {KIND_NAMES[kind]}")
    if found.voices:
        click.echo("by voice:")
    for share in found.voices:
        click.echo(f"  {share.engine:<7} {share.voice:<{width}}  {cache.format_size(share.size):>8}")


@cache_command.command("prune", examples=(
    "pilates-audio cache prune  # down to PILATES_AUDIO_CACHE_MAX, else 2GB",
    "pilates-audio cache prune --older-than 30d",
))
@click.option("--max-size", callback=_size, metavar="SIZE",
              help="Remove the least recently used entries until the cache holds at most SIZE (such as 500MB or "
                   "1GB; 0 empties it). Default: PILATES_AUDIO_CACHE_MAX, else 2GB.")
@click.option("--older-than", callback=_age, metavar="AGE",
              help="Remove entries not used for longer than AGE (such as 30d, 12h or 2w).")
def prune_command(max_size: int | None, older_than: float | None) -> None:
    """Remove what was used least recently; entries a running render uses are kept."""
    from pilates_audio import cache

    if max_size is None and older_than is None:
        max_size = cache.limit()
    done = cache.prune(max_size=max_size, older_than=older_than)
    click.echo(f"removed {done.removed:,} entr{'y' if done.removed == 1 else 'ies'} "
               f"({cache.format_size(done.freed)}); the cache holds {cache.format_size(done.left)}")
    if done.held:
        click.echo(f"kept {done.held:,} entr{'y' if done.held == 1 else 'ies'} in use by a render still running",
                   err=True)
