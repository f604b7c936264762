"""The options several commands share, and reading them into settings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from pilates_audio import settings
from pilates_audio.cli.help import option

if TYPE_CHECKING:
    from pilates_audio.timing.fit import Target

# Where render, studio, serve and batch write or find sessions unless told: output/ in the current folder.
OUTPUT = Path("output")


def pacing_value(key: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
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
    return option(setting.option, setting.name, callback=pacing_value(setting.name), metavar=setting.placeholder,
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


def duration_seconds(ctx: click.Context, param: click.Parameter, value: Any) -> float | None:
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


SPLIT_HELP = ("Also write one MP3 per chapter and their playlist in <name>.tracks/, for players that skip tracks "
              "but not chapters.")
split_option = option("--split", group="Output", is_flag=True, help=SPLIT_HELP)


def check_bitrate(ctx: click.Context, param: click.Parameter, value: int) -> int:
    from pilates_audio.sound import mp3

    if value not in mp3.BITRATES:
        choices = ", ".join(str(rate) for rate in mp3.BITRATES[:-1])
        raise click.BadParameter(f"{value} is not an MP3 bitrate; use one of {choices} or {mp3.BITRATES[-1]}")
    return value


def default_bitrate() -> int:
    """Return the bitrate sessions are encoded at unless told, from the module that encodes them."""
    from pilates_audio.sound.mp3 import DEFAULT_BITRATE

    return DEFAULT_BITRATE


def default_loudness() -> float:
    """Return the loudness sessions are levelled to unless told, from the module that levels them."""
    from pilates_audio.sound.levelling import DEFAULT_LOUDNESS

    return DEFAULT_LOUDNESS


length_option = option("--length", "target", group="Length", callback=duration_seconds, metavar="DURATION",
                       help="Fit the session to this length (e.g. 20m): choose within ranges, scale the breath.")
max_length_option = option(
    "--max-length", "max_length", group="Length", callback=duration_seconds, metavar="DURATION",
    help="Allow sessions up to this long (default: 4h); longer ones are refused before any work.")


def length_target(seconds: float | None, flags: dict) -> Target | None:
    """Return the --length target; a breath given as a flag is kept as it is."""
    from pilates_audio.timing.fit import BREATH_FLAGS, Target

    if seconds is None:
        return None
    return Target(seconds, keep_breath=any(flags.get(key) is not None for key in BREATH_FLAGS))


def split_flags(kwargs: dict) -> tuple[dict, settings.Layer | None]:
    """Take the pacing flags and the pacing file out of a command's arguments."""
    flags = {key: kwargs.pop(key) for key in settings.KEYS if key in kwargs}
    path = kwargs.pop("pacing_file", None)
    return flags, (settings.load_file(path) if path is not None else None)
