"""The command line: a thin layer over the library."""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

# Only what the options need to be declared is imported here, so `--version` and `--help` answer at once;
# each command imports the stages it uses when it runs.
from pilates_audio import __version__, files, settings
from pilates_audio.errors import InputError, PilatesAudioError

if TYPE_CHECKING:
    from pilates_audio.format import Routine, Track
    from pilates_audio.timing.fit import Target

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
STUDIO_PORT = 8700
# Where render, studio, serve and batch write or find sessions unless told: output/ in the current folder.
OUTPUT = Path("output")
SHORTEST_PAUSE = 1.0  # seconds: `script` leaves shorter pauses out of its timeline (the gaps between lines)


# The headings of a command's help, in this order; options without one come last, under "Options".
# A command with options under fewer than two headings lists them all under "Options".
HEADINGS = ("Pacing", "Voice", "Length", "Music", "Output")
LONGEST_TERM = 30  # characters: a longer option name has its help on the next line (as click does)


class Option(click.Option):
    """An option shown under a heading (its group) in its command's help."""

    def __init__(self, *args: Any, group: str, **kwargs: Any):
        if group not in HEADINGS:
            raise ValueError(f"{group!r} is not one of the help's headings: {', '.join(HEADINGS)}")
        super().__init__(*args, **kwargs)
        self.group = group

    def get_default(self, ctx: click.Context, call: bool = True) -> Any:
        # A default that lives in a module slow to import is given as a function reading it (see
        # `_default_bitrate`): help shows the value it returns, where click would show "(dynamic)".
        return super().get_default(ctx, call=True)


class FilledHelp(click.Option):
    """An option whose help names constants of a module slow to import: `names` fills them in when help is shown."""

    def __init__(self, *args: Any, names: Callable[[], dict[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.names = names

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        return None if record is None else (record[0], record[1].format_map(self.names()))


def option(*decls: str, group: str, **attrs: Any) -> Callable:
    """Declare an option shown under `group` in its command's help."""
    return click.option(*decls, cls=Option, group=group, **attrs)


class Command(click.Command):
    """A command whose help shows examples first, then its options under their headings."""

    def __init__(self, *args: Any, examples: tuple[str, ...] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.examples = examples

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        if not self.examples:
            return
        # Each example as it is typed (never rewrapped), its note after "#" lined up with the others'.
        commands = [example.partition("  # ") for example in self.examples]
        width = max((len(command) for command, note, _ in commands if note), default=0)
        with formatter.section("Examples"):
            for command, note, text in commands:
                line = f"{command:<{width}}  # {text}" if note else command
                formatter.write(f"{'':>{formatter.current_indent}}{line}\n")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None and not isinstance(param, click.Argument):
                sections.setdefault(getattr(param, "group", None) or "", []).append(record)
        other = sections.pop("", [])
        if len(sections) < 2:  # one heading would only split a short list
            other = [row for rows in sections.values() for row in rows] + other
            sections = {}
        named = [(f"{heading} options", sections[heading]) for heading in HEADINGS if heading in sections]
        named += [("Options", other)] if other else []
        # One column for the help of every section, so the headings read as one table.
        width = min(LONGEST_TERM, max((len(term) for _, rows in named for term, _ in rows), default=0))
        for title, rows in named:
            with formatter.section(title):
                formatter.write_dl([(term.ljust(width), text) for term, text in rows], col_max=LONGEST_TERM)


class Group(Command, click.Group):
    """A group of commands, with help as its commands have."""

    command_class = Command
    group_class = type  # a group within it is one of these too

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        Command.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)


def _pacing_value(key: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def convert(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        try:
            return settings.parse_value(key, value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return convert


def _apply(command: Callable, options: list[Callable]) -> Callable:
    for decorator in reversed(options):
        command = decorator(command)
    return command


def _setting_option(setting: settings.Setting) -> Callable:
    """Declare the flag of one setting, as its row in the settings table describes it; it defaults to None."""
    attrs: dict[str, Any] = {"group": setting.group, "default": None, "help": setting.flag_help}
    if setting.kind is settings.SettingKind.FLAG:
        name = setting.option[2:]
        return option(f"--{name}/--no-{name}", setting.name, **attrs)
    if setting.kind is settings.SettingKind.CHOICE:
        return option(setting.option, setting.name, type=click.Choice(list(setting.choices)), **attrs)
    if setting.kind is settings.SettingKind.COUNT:
        # A count with a ceiling is checked by click, which shows its range in the help.
        attrs["type"] = int if setting.high is None else click.IntRange(int(setting.low), setting.high)
    return option(setting.option, setting.name, callback=_pacing_value(setting.name), metavar=setting.placeholder,
                  **attrs)


def pacing_options(command: Callable) -> Callable:
    """Add the pacing flags; each defaults to None so only flags given override."""
    return _apply(command, [
        option("--pacing", "pacing_file", group="Pacing", type=click.Path(dir_okay=False, path_type=Path),
               help="A pacing file: YAML with the keys of a routine's pacing: block."),
        *(_setting_option(setting) for setting in settings.SETTINGS.values() if setting.group != settings.MUSIC),
    ])


def music_settings(command: Callable) -> Callable:
    """Add the flags of the music bed's settings (level, ducking, fades): for the commands that use them."""
    return _apply(command, [_setting_option(setting) for setting in settings.SETTINGS.values()
                            if setting.group == settings.MUSIC])


def _length(ctx: click.Context, param: click.Parameter, value: Any) -> float | None:
    from pilates_audio.format import parse_duration

    if value is None:
        return None
    try:
        return parse_duration(value, breaths_allowed=False).amount
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


sample_exact_option = option(
    "--sample-exact", group="Output", is_flag=True,
    help="Encode the whole session in one pass, every sound on its exact sample (slower). "
         "By default sessions are built from cached pieces, each sound within 13 ms of its planned time.")


def _bitrate(ctx: click.Context, param: click.Parameter, value: int) -> int:
    from pilates_audio.sound import mp3

    if value not in mp3.BITRATES:
        choices = ", ".join(str(rate) for rate in mp3.BITRATES[:-1])
        raise click.BadParameter(f"{value} is not an MP3 bitrate; use one of {choices} or {mp3.BITRATES[-1]}")
    return value


def _default_bitrate() -> int:
    """Return the bitrate sessions are encoded at unless told, from the module that encodes them."""
    from pilates_audio.sound.mp3 import DEFAULT_BITRATE

    return DEFAULT_BITRATE


def _default_loudness() -> float:
    """Return the loudness sessions are levelled to unless told, from the module that levels them."""
    from pilates_audio.sound.levelling import DEFAULT_LOUDNESS

    return DEFAULT_LOUDNESS


length_option = option("--length", "target", group="Length", callback=_length, metavar="DURATION",
                       help="Fit the session to this length (e.g. 20m): choose within ranges, scale the breath.")
max_length_option = option(
    "--max-length", "max_length", group="Length", callback=_length, metavar="DURATION",
    help="Allow sessions up to this long (default: 4h); longer ones are refused before any work.")


def _target(seconds: float | None, flags: dict) -> Target | None:
    """Return the --length target; a breath given as a flag is kept as it is."""
    from pilates_audio.timing.fit import BREATH_FLAGS, Target

    if seconds is None:
        return None
    return Target(seconds, keep_breath=any(flags.get(key) is not None for key in BREATH_FLAGS))


def _flags(kwargs: dict) -> tuple[dict, settings.Layer | None]:
    """Take the pacing flags and the pacing file out of a command's arguments."""
    flags = {key: kwargs.pop(key) for key in settings.KEYS if key in kwargs}
    path = kwargs.pop("pacing_file", None)
    return flags, (settings.load_file(path) if path is not None else None)


@click.group(cls=Group, context_settings=CONTEXT, examples=(
    'pilates-audio new "Morning mat"  # a starter routine: morning-mat.yaml',
    "pilates-audio render morning-mat.yaml  # its session: output/morning-mat.mp3",
    "pilates-audio studio  # write, pace and hear routines in the browser",
))
@click.version_option(__version__, "--version", prog_name="pilates-audio", message="%(prog)s %(version)s")
def cli() -> None:
    """Turn Pilates routines (YAML) into timed narration scripts and guided MP3 sessions."""


@cli.command("render", examples=(
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
@option("--bitrate", group="Output", type=int, callback=_bitrate, default=_default_bitrate, show_default=True,
        metavar="KBPS", help="MP3 bitrate in kbps (constant): 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, "
                             "224, 256 or 320.")
@option("--loudness", group="Output", type=click.FloatRange(-40, -5), default=_default_loudness,
        show_default=True, metavar="LUFS", help="Integrated loudness of the session (true peaks stay under -1 dBTP).")
@sample_exact_option
@click.option("--watch", is_flag=True, help="Keep running and re-render whenever a routine or the pacing file is saved.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or warnings; errors only.")
def render_command(routines: tuple[Path, ...], out_dir: Path, bitrate: int, loudness: float, quiet: bool,
                   target: float | None, max_length: float | None, watch: bool, sample_exact: bool,
                   music: tuple[Path, ...], no_music: bool, **kwargs: Any) -> None:
    """Render routines to MP3 sessions, each with its timed script (.json), transcript and chapters."""
    from pilates_audio import render

    if music and no_music:
        raise click.UsageError("--music and --no-music cannot be used together")
    output = dict(out_dir=out_dir, bitrate=bitrate, loudness=loudness, target=target, sample_exact=sample_exact,
                  max_length=max_length or render.MAX_LENGTH,
                  music=() if no_music else (render.music_tracks(music) if music else None))
    if watch:
        _watch(list(routines), kwargs.get("pacing_file"), lambda: _render_all(routines, quiet, dict(kwargs), **output),
               quiet)
        return
    _render_all(routines, quiet, kwargs, **output)


def _render_all(routines: tuple[Path, ...], quiet: bool, kwargs: dict, out_dir: Path, bitrate: int, loudness: float,
                target: float | None, sample_exact: bool, max_length: float,
                music: tuple[Track, ...] | None = None) -> list[Path]:
    """Render each routine; return the other files they read (blocks they include, music they play)."""
    from pilates_audio import render
    from pilates_audio.format import format_clock, load_all

    pacing_path = kwargs.get("pacing_file")
    flags, pacing_file = _flags(kwargs)
    # A routine named twice (`render a.yaml ./a.yaml`) is rendered once.
    loaded = load_all(list({os.path.realpath(path): path for path in routines}.values()))
    if music is not None:  # --music or --no-music: instead of what the routines name
        loaded = [replace(routine, music=music) for routine in loaded]
    render.check_outputs(loaded, out_dir, pacing_path)  # nothing a render writes may replace an input
    plans = [(r, render.effective_pacing(r, flags, pacing_file)[0]) for r in loaded]
    target = _target(target, flags)
    for routine, pacing in plans:  # refuse a session too long, or a length out of reach, before any work
        render.planned(routine, pacing, target, max_length)
    for routine, pacing in plans:
        with _Progress(routine.name, quiet) as progress:
            session = render.render(routine, pacing, out_dir, bitrate=bitrate, progress=progress, target=target,
                                    loudness=loudness, sample_exact=sample_exact)
        if not quiet:
            _report(routine, session.fit, session.warnings)
        click.echo(f"{session.mp3}\t{format_clock(session.duration)}")
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
                _show_os_error(exc)
            while stamps() == seen:
                time.sleep(WATCH_INTERVAL)
            # Let an editor finish writing before reading the file.
            time.sleep(WATCH_INTERVAL)
    except KeyboardInterrupt:
        if not quiet:
            click.echo("stopped watching", err=True)


@cli.command(examples=(
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
    from pilates_audio import cache, render
    from pilates_audio.format import load

    flags, pacing_file = _flags(kwargs)
    loaded = load(routine)
    pacing, _ = render.effective_pacing(loaded, flags, pacing_file)
    target = _target(target, flags)
    plan, fitted = render.planned(loaded, pacing, target, max_length or render.MAX_LENGTH)
    if exact:
        with _Progress(loaded.name, quiet) as progress:
            plan, fitted = render.exact_script(loaded, pacing, render.voices_for(pacing),
                                               lambda done, total: progress("speaking", done, total), target)
        cache.after_render()  # what it spoke counts against the cache's bound as a render's does
        plan = render.placed(plan, sample_exact=sample_exact)
    click.echo(plan.dumps() if as_json else plan.to_text(0.0 if all_pauses else SHORTEST_PAUSE), nl=False)
    if not quiet:
        _report(loaded, fitted, plan.warnings)


@cli.command(examples=(
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
        _report(loaded, None, localized.mismatched(loaded, pacing.language))  # lines in another language
        length = format_clock(plan.duration / SAMPLE_RATE)
        # A section's rounds play its exercises again: count each as written, and the rounds apart.
        written = sum(1 for exercise in loaded.exercises if exercise.round == 1)
        rounds = f", {count} with rounds" if count != written else ""
        click.echo(f"{loaded.path}: ok ({written} exercise{'s' if written != 1 else ''}{rounds}, about {length})")


@cli.command("pacing", examples=(
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

    flags, pacing_file = _flags(kwargs)
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
    if key == "engine" and value == speech.AUTO:
        return f"{value} ({speech.choose(value, pacing.voice, pacing.language).name})"
    return "(engine default)" if value is None else str(value)


def _feed_defaults() -> dict[str, str]:
    """Return the feed's default title and author, for the help of the options that override them."""
    from pilates_audio.publish.channel import DEFAULT_AUTHOR, DEFAULT_TITLE

    return {"DEFAULT_TITLE": DEFAULT_TITLE, "DEFAULT_AUTHOR": DEFAULT_AUTHOR}


@cli.command(examples=(
    "pilates-audio feed output --base-url http://192.168.1.20:8000/",
    'pilates-audio feed output --base-url https://example.org/pilates/ --title "Mat classes"',
))
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", required=True, metavar="URL",
              help="Where the folder is served from, e.g. http://192.168.1.20:8000/ (see `serve`).")
@click.option("--title", cls=FilledHelp, names=_feed_defaults,
              help="The podcast's title (default: feed.yaml's, else '{DEFAULT_TITLE}').")
@click.option("--author", cls=FilledHelp, names=_feed_defaults,
              help="Who makes it (default: feed.yaml's, else '{DEFAULT_AUTHOR}').")
@click.option("--description", help="What it is (default: feed.yaml's, else a line about pilates-audio).")
@click.option("--image", metavar="FILE|URL",
              help="The podcast's artwork: a .jpg or .png in FOLDER, or an address (default: feed.yaml's, else the "
                   "newest session's cover).")
def feed(folder: Path, base_url: str, title: str | None, author: str | None, description: str | None,
         image: str | None) -> None:
    """Write FOLDER/feed.xml: a podcast feed of the sessions in FOLDER (channel settings from FOLDER/feed.yaml)."""
    from pilates_audio.publish.feed import write_feed

    options = {"title": title, "author": author, "description": description, "image": image}
    path, count = write_feed(folder, base_url, options)
    _warn_unreadable(folder)
    click.echo(f"{path}\t{count} session{'s' if count != 1 else ''}")


def _warn_unreadable(folder: Path) -> None:
    """Say which sessions are left out of the page and the feed because their names are not UTF-8."""
    from pilates_audio.publish.feed import unreadable_names

    for name in unreadable_names(folder):
        click.echo(f"warning: {folder / name} is left out: its file name is not UTF-8; rename it", err=True)


@cli.command(examples=(
    "pilates-audio serve  # output/ at http://127.0.0.1:8000/",
    "pilates-audio serve --host 0.0.0.0  # for a phone on the same network",
))
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=OUTPUT)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets a phone on the same network connect.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
def serve(folder: Path, host: str, port: int) -> None:
    """Serve FOLDER (default: output) read-only: a page with players and chapters, the files, and feed.xml."""
    from pilates_audio import web

    http = web.make_server(folder, host, port)
    _warn_unreadable(folder)
    addresses = web.urls(http, host)
    click.echo(f"serving {folder} at {addresses[0]}")
    if len(addresses) > 1:
        click.echo(f"on a phone on the same network, open {addresses[1]}")
    elif host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"on a phone on the same network, open {addresses[0]}")
    click.echo(f"podcast feed: {addresses[-1]}feed.xml  (Ctrl-C to stop)")
    try:
        http.run()
    except KeyboardInterrupt:
        pass  # the signal that stopped it, raised again once connections were closed
    click.echo("stopped", err=True)  # also where the signal was ignored (started in the background)


@cli.command(examples=(
    "pilates-audio studio  # routines/ if there is one, else this folder",
    "pilates-audio studio my-routines -o my-sessions --no-open",
    "pilates-audio studio --host 0.0.0.0 --allow-network",
))
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=OUTPUT,
              show_default=True, help="Folder to render sessions into, in the current folder unless a path is given.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; another than this machine's needs --allow-network.")
@click.option("--allow-network", is_flag=True,
              help="Let --host be an address a phone on the same network can reach (the studio can change files).")
@click.option("--port", type=click.IntRange(0, 65535), default=STUDIO_PORT, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--open/--no-open", "open_browser", default=None,
              help="Open the page in the browser (default: open, unless CI is set or there is no display).")
def studio(folder: Path | None, out_dir: Path, host: str, allow_network: bool, port: int,
           open_browser: bool | None) -> None:
    """Write routines, tweak their pacing and hear the result, in the browser.

    FOLDER holds the routines: every .yaml file in it and the folders below (default: routines/ if there is one,
    else the current folder). Nothing is saved until Save; renders go into the output folder, which the page's
    All sessions lists, as `serve` does.
    """
    from pilates_audio.studio import app

    folder = folder if folder is not None else (Path("routines") if Path("routines").is_dir() else Path("."))
    running = app.start(folder, out_dir, host, port, allow_network)
    click.echo(f"studio for {folder} at {running.address}")
    click.echo(f"sessions are rendered into {out_dir}")
    if running.phone_address:
        click.echo(f"on a phone on the same network, open {running.phone_address}")
    elif allow_network:
        click.echo("warning: this machine has no address on a local network that a phone could open; connect it "
                   "to the Wi-Fi the phone is on and start the studio again", err=True)
    click.echo("(Ctrl-C to stop)")
    if open_browser if open_browser is not None else app.can_open_browser():
        import webbrowser

        webbrowser.open(running.address)
    try:
        running.server.run()
    except KeyboardInterrupt:
        pass
    click.echo("stopped", err=True)


@cli.command(examples=(
    'pilates-audio new "Morning mat"  # writes morning-mat.yaml',
    'pilates-audio new "Rückenschule" --language de',
    'pilates-audio new "Morning mat" -o - | less',
))
@click.argument("title")
@click.option("-o", "--output", "path", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="File to write (default: the title in lower case with dashes, e.g. my-routine.yaml); - prints it.")
@click.option("--force", is_flag=True, help="Replace the file if it already exists.")
@click.option("--language", callback=_pacing_value("language"), default="en", show_default=True, metavar="TAG",
              help="Write the starter's spoken lines in this language (de, es, fr, it, nl, pt-BR); notes stay English.")
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


@cli.command("schema", examples=(
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


@cli.command(examples=(
    "pilates-audio voices",
    "pilates-audio voices --all | cut -f 1,2,4  # engine, id, language",
    "pilates-audio voices --download en_US-lessac-medium",
))
@click.option("--engine", "engine_name", type=click.Choice(list(settings.ENGINES[1:])), default=None,
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
    engines = [name for name in (in_use, *settings.ENGINES[1:]) if name is not None]
    engines = list(dict.fromkeys([engine_name] if engine_name else engines))  # each once, the one in use first
    shown = engines if engine_name or every or in_use is None else list(dict.fromkeys([in_use, piper_engine.NAME]))
    for name in engines:
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


@cli.group("cache", invoke_without_command=True, examples=(
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


@cli.command("batch", examples=(
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
@click.option("--dry-run", is_flag=True, help="Print the plan (sessions, distinct lines, lines cached, work left) "
                                              "and make nothing.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary; errors only.")
def batch_command(manifest: Path, out_dir: Path, workers: int | None, ray_address: str | None, dry_run: bool,
                  quiet: bool) -> None:
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
    """
    from pilates_audio import batch
    from pilates_audio.format import format_clock

    started = time.monotonic()
    loaded = batch.load(manifest)
    output = batch.Output(out_dir)
    catalogue = batch.plan(loaded, output, workers if ray_address is None else None)
    if dry_run:
        click.echo(batch.describe(catalogue), nl=False)
        return
    if ray_address is None:
        from pilates_audio.batch.local import LocalExecutor

        executor: Any = LocalExecutor(workers)
    else:
        from pilates_audio.batch.ray_executor import RayExecutor

        executor = RayExecutor(ray_address, workers)
    try:
        with _Progress(loaded.collection or manifest.stem, quiet) as progress:
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


def _report(routine: Routine, fitted: Any, warnings: tuple[str, ...]) -> None:
    """Tell, on stderr, what fitting chose and what did not fit."""
    if fitted is not None:
        for line in fitted.describe(routine):
            click.echo(f"{routine.path}: {line}" if not line.startswith(" ") else line, err=True)
    for warning in warnings:
        click.echo(f"warning: {routine.path}: {warning}", err=True)


class _Progress:
    """A progress bar on stderr for one session; silent with -q."""

    def __init__(self, name: str, quiet: bool):
        self.name = name
        self.quiet = quiet
        self.bar = None
        self.stage = ""
        self.shown = 0

    def __enter__(self) -> Callable[[str, int, int], None]:
        return self.update

    def update(self, stage: str, done: int, total: int) -> None:
        if self.quiet or total <= 0 or not sys.stderr.isatty():
            return
        if stage != self.stage:
            self._close()
            self.stage = stage
            self.shown = 0
            self.bar = click.progressbar(length=total, label=f"{self.name}: {stage}", file=sys.stderr,
                                         show_eta=False, width=30)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __exit__(self, *exc: object) -> None:
        self._close()


def run(args: list[str] | None = None) -> int:
    """Run the command line, turning every failure into one message; return the exit status."""
    files.stop_on_signals()
    try:
        # Not cli.main(): it prints a bare newline on Ctrl-C, and the message here is the one line.
        with cli.make_context("pilates-audio", list(sys.argv[1:] if args is None else args)) as ctx:
            cli.invoke(ctx)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        # click's own usage errors read as the tool's do: one line, with where to find help.
        where = exc.ctx.command_path if exc.ctx is not None else "pilates-audio"
        message = exc.format_message()
        message = message[:-1] if message.endswith(".") else message
        click.echo(f"error: {message} (see `{where} --help`)", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (KeyboardInterrupt, click.exceptions.Abort) as exc:
        # In a terminal the line starts after the ^C the terminal echoed.
        start = "\n" if sys.stderr.isatty() else ""
        click.echo(f"{start}interrupted; nothing half-written was left behind", err=True)
        return 128 + getattr(exc, "signum", signal.SIGINT)  # 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP
    except BrokenPipeError:
        # The reader went away (`pilates-audio voices | head`): nothing to say to it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a program ended by SIGPIPE
    except OSError as exc:
        _show_os_error(exc)
        return 1
    return 0


def _show_os_error(exc: OSError) -> None:
    """Say what the operating system refused, in one line."""
    if files.disk_full(exc):
        files.DiskFull(Path(exc.filename).parent if exc.filename else Path("the output folder")).show()
    else:
        click.echo(f"error: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), err=True)


def main() -> None:
    """Run the command line and exit with its status."""
    sys.exit(run())
