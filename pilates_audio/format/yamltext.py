"""YAML as text: where a node's own text ends, and values written back as YAML, on one line or as a block."""

from __future__ import annotations

import re
import textwrap
from typing import Any

import yaml

WIDTH = 88  # where new block text and refolded texts wrap
_BARE_ON = re.compile(r"(^|[\s{,])'on':", re.MULTILINE)  # a cue's key, quoted by PyYAML as YAML 1.1's true


class _Dumper(yaml.SafeDumper):
    """Dumps block YAML as routines are written: lists indented under their key, short lists of words on one line."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flat = all(not isinstance(item, (dict, list)) for item in data) and len(str(data)) < 50
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


def _represent_text(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    folded = len(data) > 60 and "\n" not in data and data == data.strip()  # a setup: folded, as people write them
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=">" if folded else None)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_text)


class Loader(yaml.SafeLoader):
    """Reads keys as written (`on` is the cue's key, not YAML 1.1's true), as the routine's checker does."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        return {key.value: self.construct_object(value, deep=True) for key, value in node.value}


def line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def line_end(text: str, index: int) -> int:
    """Return where the line holding `index` ends, past its newline."""
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def end(node: yaml.Node, text: str) -> int:
    """Return where the node's own text ends: its last character, not the comments or blank lines after it."""
    if isinstance(node, yaml.ScalarNode):
        last = node.end_mark.index
        if node.style in ("|", ">"):  # a block text's end takes in the newlines after it
            while last > node.start_mark.index and text[last - 1] in " \n":
                last -= 1
        return last
    if node.flow_style or not node.value:
        return node.end_mark.index
    if isinstance(node, yaml.MappingNode):
        return max(max(end(key, text), end(value, text)) for key, value in node.value)
    return max(end(item, text) for item in node.value)


def column(text: str, index: int) -> int:
    """Return the 0-based column of a place in the text."""
    return index - line_start(text, index)


# --- writing values -----------------------------------------------------------------------

def flow(value: Any) -> str:
    """Return a value as YAML on one line: a word, a quoted text, [a, list] or {a: mapping}."""
    dumped = yaml.dump([value], Dumper=yaml.SafeDumper, default_flow_style=True, allow_unicode=True,
                       sort_keys=False, width=10 ** 9)
    return _BARE_ON.sub(r"\1on:", dumped.strip()[1:-1])


def block(value: Any, indent: int) -> list[str]:
    """Return a list or mapping as block YAML lines, each indented by `indent` spaces."""
    dumped = yaml.dump(value, Dumper=_Dumper, default_flow_style=False, allow_unicode=True, sort_keys=False,
                       width=WIDTH - indent)
    dumped = _BARE_ON.sub(r"\1on:", dumped)
    return [" " * indent + line if line else line for line in dumped.rstrip("\n").split("\n")]


def item(value: Any, column: int) -> str:
    """Return a list item written as a block at `column`: `- name: …` and its keys under it."""
    if not isinstance(value, (dict, list)):
        return " " * column + "- " + flow(value) + "\n"
    lines = block(value, column + 2)
    return " " * column + "- " + lines[0][column + 2:] + "\n" + "".join(line + "\n" for line in lines[1:])


def folded(value: str, indicator: str, indent: int) -> str:
    """Return a text as a folded block (`>-` and its lines), as it was written before."""
    lines = textwrap.wrap(value, max(20, WIDTH - indent), break_long_words=False, break_on_hyphens=False)
    return indicator + "".join("\n" + " " * indent + line for line in lines)
