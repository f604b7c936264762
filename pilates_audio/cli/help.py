"""The command line's help: options under headings, and examples before them."""

from __future__ import annotations

from typing import Any, Callable

import click

# The headings of a command's help, in this order; options without one come last, under "Options".
# A command with options under fewer than two headings lists them all under "Options".
HEADINGS = ("Class", "Pacing", "Voice", "Length", "Music", "Output")
LONGEST_TERM = 30  # characters: a longer option name has its help on the next line (as click does)


class Option(click.Option):
    """An option shown under a heading (its group) in its command's help."""

    def __init__(self, *args: Any, group: str, names: Callable[[], dict[str, str]] | None = None, **kwargs: Any):
        if group not in HEADINGS:
            raise ValueError(f"{group!r} is not one of the help's headings: {', '.join(HEADINGS)}")
        super().__init__(*args, **kwargs)
        self.group = group
        self.names = names  # as FilledHelp's: fills the help's {names} when it is shown

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None or self.names is None:
            return record
        return record[0], record[1].format_map(self.names())

    def get_default(self, ctx: click.Context, call: bool = True) -> Any:
        # A default that lives in a module slow to import is given as a function reading it (see
        # `default_bitrate`): help shows the value it returns, where click would show "(dynamic)".
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
