"""The command line: a thin layer over the library."""

from __future__ import annotations

import importlib
import os
import signal
import sys

import click

# Only what the options need to be declared is imported here, so `--version` and `--help` answer at once;
# each command imports the stages it uses when it runs.
from pilates_audio import __version__, files
from pilates_audio.cli.help import Group
from pilates_audio.cli.report import show_os_error

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# Each command's module under pilates_audio.cli, and the command's name in it. In this order: `--help` lists
# commands by name, but the pinned help of every command goes through them as added.
COMMANDS = {"render": ("sessions", "render_command"), "script": ("sessions", "script"),
            "check": ("sessions", "check"), "pacing": ("sessions", "pacing_command"), "feed": ("serving", "feed"),
            "serve": ("serving", "serve"), "studio": ("serving", "studio"), "new": ("library", "new"),
            "schema": ("library", "schema_command"), "voices": ("library", "voices"),
            "cache": ("library", "cache_command"), "batch": ("catalogue", "batch_command"),
            "exercises": ("exercises", "exercises_command"), "compose": ("composing", "compose_command")}


class Commands(Group):
    """The tool's commands, each module imported when its command runs: one command loads no other's.

    `commands` (click's, and what it suggests a mistyped name from) loads them all."""

    _loaded: dict[str, click.Command]

    @property
    def commands(self) -> dict[str, click.Command]:
        for name in COMMANDS:
            self._load(name)
        # In the order of COMMANDS, whichever ran first.
        self._loaded = {**{name: self._loaded[name] for name in COMMANDS}, **self._loaded}
        return self._loaded

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._loaded = value

    def _load(self, name: str) -> None:
        if name in COMMANDS and name not in self._loaded:
            module, attribute = COMMANDS[name]
            self._loaded[name] = getattr(importlib.import_module(f"pilates_audio.cli.{module}"), attribute)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load(cmd_name)
        return self._loaded.get(cmd_name)


@click.group(cls=Commands, context_settings=CONTEXT, examples=(
    'pilates-audio new "Morning mat"  # a starter routine: morning-mat.yaml',
    "pilates-audio render morning-mat.yaml  # its session: output/morning-mat.mp3",
    "pilates-audio studio  # write, pace and hear routines in the browser",
))
@click.version_option(__version__, "--version", prog_name="pilates-audio", message="%(prog)s %(version)s")
def cli() -> None:
    """Turn Pilates routines (YAML) into timed narration scripts and guided MP3 sessions."""


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
        show_os_error(exc)
        return 1
    return 0


def main() -> None:
    """Run the command line and exit with its status."""
    sys.exit(run())
