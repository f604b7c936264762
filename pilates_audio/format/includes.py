"""Lists of exercises, and the block files they include (- include: FILE), followed wherever they lead."""

from __future__ import annotations

import os
from pathlib import Path

from pilates_audio.errors import Problem
from pilates_audio.files import inside
from pilates_audio.format import yamlsrc
from pilates_audio.format.exercises import ExerciseChecker
from pilates_audio.format.model import Exercise
from pilates_audio.format.yamlsrc import Node

MAX_INCLUDE_DEPTH = 10
# Includes multiply: a block included in a block included many times. This bounds what
# one routine may expand to, long before a session would reach the length limit anyway.
MAX_EXERCISES = 5_000


class Includes:
    """What one check has read through includes: parsed blocks, the files, and the count so far."""

    def __init__(self, confine: Path | None = None) -> None:
        self.parsed: dict[Path, Node | None] = {}
        self.files: list[Path] = []
        self.exercises = 0
        self.confine = confine  # a folder that includes and covers must stay inside (the studio's), if any

    def outside(self, path: Path) -> bool:
        """Tell whether a file an include or cover names leads out of the folder it must stay in."""
        return self.confine is not None and not inside(path, self.confine)


class ListChecker(ExerciseChecker):
    """Check lists of exercises and includes, following each include into its block file."""

    def __init__(self, path: str, problems: list[Problem], folder: Path, chain: tuple[Path, ...] = (),
                 includes: Includes | None = None, language: str | None = None):
        super().__init__(path, problems, folder, language)
        self.chain = chain  # the files including this one, outermost first (resolved)
        self.includes = includes if includes is not None else Includes()

    def exercise_list(self, node: Node, section: str | None) -> list[Exercise | None]:
        if not node.is_list:
            self.add(node, "exercises must be a list of exercises (each line starting with '- ')")
            return [None]
        if not node.value:
            self.add(node, "exercises is empty; list at least one exercise")
            return [None]
        return self.items(node.value, section)

    def items(self, nodes: list[Node], section: str | None) -> list[Exercise | None]:
        """Check a list's exercises and includes, in order."""
        result: list[Exercise | None] = []
        for item in nodes:
            if item.is_mapping and "include" in item.value:
                result.extend(self.include(item, section))
                continue
            self.includes.exercises += 1
            if self.includes.exercises > MAX_EXERCISES:
                if self.includes.exercises == MAX_EXERCISES + 1:  # said once, where the limit is passed
                    self.add(item, f"the routine holds more than {MAX_EXERCISES:,} exercises (counting what it includes)")
                continue
            result.append(self.exercise(item, section))
        return result

    def include(self, node: Node, section: str | None) -> list[Exercise | None]:
        """Check an `include: FILE` item and return the exercises of the block it names."""
        for key, mark in node.key_marks.items():
            if key != "include":
                self.add_at(mark, f"unknown key '{key}' beside include; an include stands alone in its list item "
                                  "(exercise keys belong in the block file)")
        where = node.value["include"]
        name = self.text(where, "include", spoken=False)
        if name is None:
            return [None]
        path = self.folder / name
        shown = os.path.normpath(os.path.join(os.path.dirname(self.path), name))
        resolved = real_path(path)
        if resolved in self.chain:
            names = [os.path.basename(str(p)) for p in self.chain[self.chain.index(resolved):]] + [os.path.basename(name)]
            self.add(where, f"include '{name}' would include itself ({' → '.join(names)})")
            return [None]
        if len(self.chain) > MAX_INCLUDE_DEPTH:  # the chain starts with the routine itself
            self.add(where, f"includes are nested more than {MAX_INCLUDE_DEPTH} deep")
            return [None]
        if self.includes.outside(path):
            self.add(where, f"include '{name}' is outside the folder the studio works in; keep blocks inside it")
            return [None]
        if resolved not in self.includes.parsed:
            if path.is_dir():
                self.add(where, f"include '{name}' is a folder, not a block file")
                return [None]
            if not path.exists():
                self.add(where, f"included file '{name}' was not found (paths are relative to this file)")
                return [None]
            if not path.is_file():  # a device or a pipe could be endless, or never answer
                self.add(where, f"include '{name}' is not a regular file")
                return [None]
            self.includes.parsed[resolved] = yamlsrc.load(path, shown, self.problems)
            self.includes.files.append(path)
        root = self.includes.parsed[resolved]
        if root is None:
            return [None]
        # The whole checker (a routine's), though this part only knows lists: a block checks as a routine would.
        checker = type(self)(shown, self.problems, path.parent, self.chain + (resolved,), self.includes, self.language)
        return checker.block_items(root, section)

    def block_items(self, root: Node, section: str | None) -> list[Exercise | None]:
        """Check a block file's top level: a non-empty list of exercises and includes."""
        if not root.is_list:
            self.add(root, "a block file must be a list of exercises (each starting with '- '), "
                           f"not {yamlsrc.kind(root)}")
            return [None]
        if not root.value:
            self.add(root, "the block is empty; list at least one exercise")
            return [None]
        return self.items(root.value, section)


def real_path(path: Path) -> Path:
    """Return the file a path names, to tell when an include comes back to it."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return path.absolute()


def looks_like_block(root: Node) -> bool:
    """Tell a block file (a list of exercises) from a routine written wrongly."""
    return root.is_list and bool(root.value) and all(item.is_mapping for item in root.value)
