"""Edits of a routine's YAML text made at the place of each value, so comments and layout elsewhere stay as written.

An edit names a mapping or a list by its path from the top (`["sections", 0, "exercises", 2]`) and changes
one thing there: a key's value, or an item of a list (insert, delete, move, duplicate, replace). Only the text
of what changes is rewritten; the rest of the file, comments included, is kept byte for byte. A comment
written directly above an exercise moves, is duplicated and is deleted with it.
"""

from __future__ import annotations

from typing import Any, Union

import yaml

from pilates_audio.errors import InputError
from pilates_audio.format import yamltext
from pilates_audio.format.keys import CUE_KEYS, EXERCISE_KEYS, ROUTINE_KEYS, SECTION_KEYS

Path = tuple[Union[str, int], ...]
FLOW_WIDTH = 72  # a new list or mapping shorter than this, with its key, is written on one line
OPS = ("set", "insert", "delete", "move", "duplicate", "replace")


class EditError(InputError):
    """An edit that does not fit the text: a path that is not there, a key the place cannot hold."""


def keys_at(path: Path) -> tuple[str, ...]:
    """Return the keys the mapping at `path` may hold: a routine's, a section's, an exercise's or a cue's."""
    if not path:
        return ROUTINE_KEYS
    if path[-2:-1] == ("sections",):
        return SECTION_KEYS
    if path[-2:-1] == ("cues",):
        return CUE_KEYS
    if path[-2:-1] == ("exercises",) or (len(path) == 1 and isinstance(path[0], int)):
        return EXERCISE_KEYS
    return ()


def apply(text: str, edit: dict[str, Any]) -> str:
    """Return the text with one edit made, as given in JSON (`{"op": "set", "at": [...], "key": …, "value": …}`)."""
    op = edit.get("op")
    if op not in OPS:
        raise EditError(f"unknown edit '{op}'; the edits are {', '.join(OPS)}")
    at = tuple(edit.get("at") or ())
    if not text.endswith("\n"):
        text += "\n"
    before = _load(text)
    if op == "set":
        result = set_key(text, at, _text(edit, "key"), edit.get("value"))
    elif op == "move" and edit.get("to") is not None and tuple(edit["to"]) != at:
        result = _move_across(text, at, _index(edit, "index"), tuple(edit["to"]), _index(edit, "to_index"))
    else:
        result = _Lists(text, at).edit(op, edit)
    _verify(before, _load(result), edit)
    return result


def _text(edit: dict[str, Any], key: str) -> str:
    value = edit.get(key)
    if not isinstance(value, str):
        raise EditError(f"the edit's '{key}' must be text")
    return value


def _index(edit: dict[str, Any], key: str) -> int:
    value = edit.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise EditError(f"the edit's '{key}' must be a whole number, at least 0")
    return value


def _load(text: str) -> Any:
    try:
        return yaml.load(text, Loader=yamltext.Loader)
    except yaml.YAMLError:
        raise EditError("the routine must be valid YAML before it is edited in the outline; fix it in the YAML "
                        "view") from None


# --- finding nodes ----------------------------------------------------------------------

def _root(text: str) -> yaml.Node:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        raise EditError("the routine must be valid YAML before it is edited in the outline; fix it in the YAML "
                        "view") from None
    if root is None:
        raise EditError("the routine is empty")
    return root


def _find(node: yaml.Node, path: Path) -> yaml.Node:
    """Return the node at `path`."""
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            found = next((value for key, value in node.value if key.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            found = node.value[step]
        else:
            found = None
        if found is None:
            raise EditError(f"nothing at {'/'.join(map(str, path))} in the routine; it changed meanwhile?")
        node = found
    return node


# --- keys of a mapping ----------------------------------------------------------------------

def set_key(text: str, at: Path, key: str, value: Any) -> str:
    """Return the text with `key` of the mapping at `at` set to `value` (None or "" removes the key)."""
    allowed = keys_at(at)
    if key not in allowed:
        raise EditError(f"'{key}' is not a key here; the keys are: {', '.join(allowed)}")
    node = _find(_root(text), at)
    if not isinstance(node, yaml.MappingNode):
        raise EditError(f"{'/'.join(map(str, at)) or 'the routine'} is not a mapping")
    pairs = {k.value: (k, v) for k, v in node.value}
    if value is None or value == "" or value == []:
        return _remove(text, node, key) if key in pairs else text
    if key in pairs:
        return _replace(text, *pairs[key], value)
    return _add(text, node, key, value, allowed)


def _replace(text: str, key: yaml.Node, old: yaml.Node, value: Any) -> str:
    start, end = old.start_mark.index, yamltext.end(old, text)
    flowing = getattr(old, "flow_style", False) or _in_flow(text, key)
    wide = len(yamltext.flow(value)) + key.start_mark.column > FLOW_WIDTH
    if isinstance(value, (dict, list)) and not flowing and (isinstance(old, yaml.CollectionNode) or wide):
        colon = text.index(":", key.end_mark.index)
        lines = yamltext.block(value, key.start_mark.column + 2)
        return text[:colon + 1] + "\n" + "\n".join(lines) + "\n" + text[yamltext.line_end(text, end - 1):]
    if isinstance(old, yaml.CollectionNode) and not flowing:  # a block becomes one value on the key's line
        start = text.index(":", key.end_mark.index) + 1
        text, end = text[:start] + " " + text[start:], end + 1
        start, end = start + 1, yamltext.line_end(text, end - 1) - 1
    long = len(yamltext.flow(value)) + key.start_mark.column + len(key.value) > yamltext.WIDTH
    folded = getattr(old, "style", None) == ">"
    if isinstance(value, str) and "\n" not in value and not flowing and (folded or long):
        indicator = text[start:text.index("\n", start)].split("#")[0].strip() if folded else ">-"
        return text[:start] + yamltext.folded(value, indicator, key.start_mark.column + 2) + text[end:]
    written = yamltext.flow(value)
    if isinstance(old, yaml.ScalarNode) and old.value == "" and old.style is None and start == end:
        written = " " + written  # `key:` with nothing after it
    return text[:start] + written + text[end:]


def _in_flow(text: str, key: yaml.Node) -> bool:
    """Tell whether a key is written inside {…}: the text before it on its line opens a brace it does not close."""
    before = text[yamltext.line_start(text, key.start_mark.index):key.start_mark.index]
    return before.count("{") > before.count("}") or before.rstrip().endswith(",")


def _remove(text: str, node: yaml.MappingNode, key: str) -> str:
    pairs = node.value
    index = next(i for i, (k, _) in enumerate(pairs) if k.value == key)
    if len(pairs) == 1:
        raise EditError(f"'{key}' is all there is here; delete the item instead")
    k, v = pairs[index]
    if node.flow_style:
        if index > 0:
            return text[:yamltext.end(pairs[index - 1][1], text)] + text[yamltext.end(v, text):]
        return text[:k.start_mark.index] + text[pairs[1][0].start_mark.index:]
    line = yamltext.line_start(text, k.start_mark.index)
    if text[line:k.start_mark.index].strip():  # the first key, on the `- ` line: the next key takes its place
        return text[:k.start_mark.index] + text[pairs[index + 1][0].start_mark.index:]
    return text[:line] + text[yamltext.line_end(text, yamltext.end(v, text) - 1):]


def _add(text: str, node: yaml.MappingNode, key: str, value: Any, order: tuple[str, ...]) -> str:
    pairs = node.value
    rank = order.index(key)
    before = [(k, v) for k, v in pairs if k.value in order and order.index(k.value) < rank]
    after_key, after_value = before[-1] if before else pairs[-1]
    if node.flow_style:
        if not pairs:
            written = "{" + key + ": " + yamltext.flow(value) + "}"
            return text[:node.start_mark.index] + written + text[node.end_mark.index:]
        at = yamltext.end(after_value, text)
        return text[:at] + ", " + key + ": " + yamltext.flow(value) + text[at:]
    column = pairs[0][0].start_mark.column
    written = yamltext.flow(value)
    if isinstance(value, (dict, list)) and len(written) + column > FLOW_WIDTH:
        lines = "\n".join(yamltext.block(value, column + 2))
        entry = " " * column + key + ":\n" + lines + "\n"
    elif isinstance(value, str) and len(written) + column + len(key) > yamltext.WIDTH:
        entry = " " * column + key + ": " + yamltext.folded(value, ">-", column + 2) + "\n"
    else:
        entry = " " * column + key + ": " + written + "\n"
    at = yamltext.line_end(text, yamltext.end(after_value, text) - 1)
    return text[:at] + entry + text[at:]


# --- items of a list ------------------------------------------------------------------------

class _Lists:
    """The items of the list at a path, each as its text (with the comment lines directly above it), to edit."""

    def __init__(self, text: str, at: Path):
        self.text, self.at = text, at
        self.node = _find(_root(text), at)
        if not isinstance(self.node, yaml.SequenceNode):
            raise EditError(f"{'/'.join(map(str, at)) or 'the routine'} is not a list")
        self.items = self.node.value
        self.flowing = bool(self.node.flow_style)
        self.spans = [self._span(i) for i in range(len(self.items))]
        self.column = yamltext.column(text, self.spans[0][2]) if self.spans and not self.flowing else self._new_column()

    def _span(self, index: int) -> tuple[int, int, int]:
        """Return where an item's text starts (its comments above), where it ends, and where its `- ` is."""
        item, text = self.items[index], self.text
        if self.flowing:
            return item.start_mark.index, yamltext.end(item, text), item.start_mark.index
        line = yamltext.line_start(text, item.start_mark.index)
        dash = line + len(text[line:item.start_mark.index]) - len(text[line:item.start_mark.index].lstrip(" "))
        floor = yamltext.line_end(text, yamltext.end(self.items[index - 1], text) - 1) if index else 0
        start = line
        while start > floor and (self.at or index):  # a block file's first comments are the file's, not its item's
            above = yamltext.line_start(text, start - 1)
            if not text[above:start].strip().startswith("#"):
                break
            start = above
        return start, yamltext.line_end(text, yamltext.end(item, text) - 1), dash

    def _new_column(self) -> int:
        """Return the column new items of an empty list go at: under its key, two further in."""
        line = self.text[yamltext.line_start(self.text, self.node.start_mark.index):self.node.start_mark.index]
        return len(line) - len(line.lstrip(" -")) + 2 if self.at else 0

    def edit(self, op: str, edit: dict[str, Any]) -> str:
        chunks = [self.text[start:end] for start, end, _ in self.spans]
        count = len(chunks)
        index = _index(edit, "index") if op != "insert" or edit.get("index") is not None else count
        if index > count or (index == count and op != "insert"):
            raise EditError(f"there is no item {index + 1} in {'/'.join(map(str, self.at))}")
        if op == "insert":
            chunks.insert(index, self.written(edit.get("value")))
        elif op == "delete":
            chunks.pop(index)
        elif op == "duplicate":
            chunks.insert(index + 1, chunks[index])
        elif op == "replace":
            keep = self.text[self.spans[index][0]:yamltext.line_start(self.text, self.spans[index][2])]
            chunks[index] = (keep if not self.flowing else "") + self.written(edit.get("value"))
        else:
            to = _index(edit, "to_index")
            if to >= count:
                raise EditError(f"there is no place {to + 1} in {'/'.join(map(str, self.at))}")
            chunks.insert(to, chunks.pop(index))
        return self.joined(chunks, op, index)

    def written(self, value: Any) -> str:
        if value is None:
            raise EditError("the edit needs the item's value")
        return yamltext.flow(value) if self.flowing and self.items else yamltext.item(value, self.column)

    def moved_in(self, chunk: str, column: int, index: int) -> str:
        """Return the text with an item taken from another list (written at `column`) put in at `index`."""
        if self.flowing and self.items:
            chunk = yamltext.flow(yaml.safe_load(_shifted(chunk, -column))[0])
        else:
            chunk = _shifted(chunk, self.column - column)
        chunks = [self.text[start:end] for start, end, _ in self.spans]
        chunks.insert(min(index, len(chunks)), chunk)
        return self.joined(chunks, "insert", index)

    def joined(self, chunks: list[str], op: str, index: int) -> str:
        """Return the text with the list's items replaced by `chunks`, the gaps between items kept where they were."""
        text, spans = self.text, self.spans
        if self.flowing and self.items:
            inside = ", ".join(chunks)
            return text[:self.node.start_mark.index] + "[" + inside + "]" + text[self.node.end_mark.index:]
        if not spans:  # [] becomes a block list under its key
            body = "".join(chunks).rstrip("\n")
            lead = "\n" if self.at else ""
            return text[:self.node.start_mark.index].rstrip(" ") + lead + body + text[self.node.end_mark.index:]
        if not chunks:
            return self._emptied()
        gaps = [text[spans[i - 1][1]:spans[i][0]] for i in range(1, len(spans))]
        if op == "delete":
            gaps[:] = gaps[:max(index - 1, 0)] + gaps[max(index - 1, 0) + 1:]
        elif op in ("insert", "duplicate"):
            where = index if op == "duplicate" else max(index - 1, 0)
            gaps.insert(where, gaps[0] if gaps else "")
        body = chunks[0] + "".join(gap + chunk for gap, chunk in zip(gaps, chunks[1:]))
        return text[:spans[0][0]] + body + text[spans[-1][1]:]

    def _emptied(self) -> str:
        """Return the text with its only item deleted: the list becomes `[]`."""
        text, start, end = self.text, self.spans[0][0], self.spans[-1][1]
        if not self.at:
            return text[:start] + "[]\n" + text[end:]
        parent = _find(_root(text), self.at[:-1])
        key = next(k for k, _ in parent.value if k.value == self.at[-1])
        colon = text.index(":", key.end_mark.index)
        return text[:colon + 1] + " []\n" + text[end:]


def _shifted(chunk: str, by: int) -> str:
    """Return lines moved right (or left) by `by` columns."""
    if by >= 0:
        return "".join(" " * by + line if line.strip() else line for line in chunk.splitlines(keepends=True))
    return "".join(line[min(-by, len(line) - len(line.lstrip(" "))):] for line in chunk.splitlines(keepends=True))


def _move_across(text: str, at: Path, index: int, to: Path, to_index: int) -> str:
    """Return the text with an item moved from one list to another (an exercise into another section)."""
    source = _Lists(text, at)
    if index >= len(source.items):
        raise EditError(f"there is no item {index + 1} in {'/'.join(map(str, at))}")
    start, end, dash = source.spans[index]
    chunk = text[start:end] if not source.flowing else yamltext.item(yaml.safe_load(text[start:end]), 0)
    column = yamltext.column(text, dash) if not source.flowing else 0
    removed = source.edit("delete", {"index": index})
    return _Lists(removed, to).moved_in(chunk, column, to_index)


def _verify(before: Any, after: Any, edit: dict[str, Any]) -> None:
    """Refuse an edit whose text does not hold what the edit asked for (a layout the edits do not know)."""
    import copy

    expected = copy.deepcopy(before)
    op, at = edit["op"], tuple(edit.get("at") or ())
    place = _walk(expected, at)
    if op == "set":
        value = edit.get("value")
        if value is None or value == "" or value == []:
            place.pop(edit["key"], None)
        else:
            place[edit["key"]] = value
    elif op == "insert":
        place.insert(len(place) if edit.get("index") is None else edit["index"], edit["value"])
    elif op == "delete":
        place.pop(edit["index"])
    elif op == "duplicate":
        place.insert(edit["index"] + 1, copy.deepcopy(place[edit["index"]]))
    elif op == "replace":
        place[edit["index"]] = edit["value"]
    else:
        item = place.pop(edit["index"])
        target = _walk(expected, tuple(edit["to"])) if edit.get("to") is not None else place
        target.insert(edit["to_index"], item)
    if expected != after:
        raise EditError("this edit cannot be made in the outline where the YAML is laid out this way; make it in the "
                        "YAML view")


def _walk(data: Any, path: Path) -> Any:
    for step in path:
        data = data[step]
    return data
