"""Load a routine file and check it, reporting every problem with its place."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

from pilates_audio import languages, settings
from pilates_audio.errors import Problem, ValidationError
from pilates_audio.format import yamlsrc
from pilates_audio.format.includes import Includes, ListChecker, looks_like_block, real_path
from pilates_audio.format.keys import COVER_TYPES, MAX_COVER_BYTES, MAX_ROUNDS, ROUTINE_KEYS, SECTION_KEYS
from pilates_audio.format.model import Block, Exercise, Routine
from pilates_audio.format.tracks import Track, problem
from pilates_audio.format.yamlsrc import Node


class RoutineChecker(ListChecker):
    """Check a routine's own keys: its texts, cover, music, voice and language, and its sections."""

    def routine(self, root: Node) -> Routine | None:
        if looks_like_block(root):
            self.add(root, "this is a block of exercises, not a routine; include it from a routine "
                           "(- include: FILE) to render it")
            return None
        if not root.is_mapping:
            self.add(root, f"a routine must be a mapping with keys such as title and exercises, not {yamlsrc.kind(root)}")
            return None
        self.keys(root, ROUTINE_KEYS, "routine")
        values = root.value
        ok = True
        title = None
        if "title" not in values:
            self.add(root, "missing required key 'title'")
        else:
            title = self.text(values["title"], "title")
        texts = {key: self.optional_text(root, key)
                 for key in ("description", "instructor", "collection", "intro", "outro")}
        cover = self.cover(values["cover"]) if "cover" in values else None
        ok = "cover" not in values or cover is not None
        music = self.music(values["music"]) if "music" in values else ()
        ok = ok and music is not None
        ok = ok and all(texts[key] is not None for key in texts if key in values)
        layer = self.pacing(values["pacing"]) if "pacing" in values else {}
        self.voice_and_language(values, layer)
        exercises: list[Exercise | None] = []
        if "exercises" in values and "sections" in values:
            self.add_at(root.key_marks["sections"], "use either exercises or sections, not both")
        elif "exercises" in values:
            exercises = self.exercise_list(values["exercises"], None)
        elif "sections" in values:
            exercises = self.sections(values["sections"])
        else:
            self.add(root, "missing required key 'exercises' (or 'sections')")
        if not ok or title is None or not exercises or any(e is None for e in exercises):
            return None
        return Routine(
            path=self.path,
            title=title,
            exercises=tuple(exercises),  # type: ignore[arg-type]
            pacing=tuple(layer.items()),
            cover=cover,
            music=music or (),
            includes=tuple(self.includes.files),
            **texts,
        )

    def voice_and_language(self, values: dict[str, Node], layer: dict[str, Any]) -> None:
        """Check the routine's voice: and language: into its pacing layer, unless its pacing gives them too."""
        if "voice" in values:
            voice = self.text(values["voice"], "voice", spoken=False)
            if "voice" in layer:
                self.add(values["voice"], "voice is given both here and in pacing; keep one")
            elif voice is not None:
                layer["voice"] = voice
        if "language" in values:
            node = values["language"]
            if "language" in layer:
                self.add(node, "language is given both here and in pacing; keep one")
            else:
                try:
                    layer["language"] = settings.parse_value("language", node.value)
                except ValueError as exc:
                    self.add(node, str(exc))

    def cover(self, node: Node) -> Path | None:
        """Check a cover image path, relative to the routine file."""
        text = self.text(node, "cover", spoken=False)
        if text is None:
            return None
        path = self.folder / text
        if self.includes.outside(path):
            self.add(node, f"cover image '{text}' is outside the folder the studio works in; keep it inside")
            return None
        if path.suffix.lower() not in COVER_TYPES:
            self.add(node, f"cover must be a JPEG or PNG image (.jpg, .jpeg or .png), not '{text}'")
            return None
        try:
            info = path.stat()
        except OSError:
            self.add(node, f"cover image '{text}' was not found (paths are relative to the routine file)")
            return None
        size = info.st_size
        if not stat.S_ISREG(info.st_mode):
            self.add(node, f"cover image '{text}' is not a regular file (a pipe, a device or a folder); give a JPEG "
                           "or PNG file")
            return None
        if size > MAX_COVER_BYTES:
            self.add(node, f"cover image '{text}' is too large ({size:,} bytes; the limit is {MAX_COVER_BYTES:,})")
            return None
        return path

    def music(self, node: Node) -> tuple[Track, ...] | None:
        """Check the music files a routine plays under its session, relative to the routine file."""
        nodes = node.value if node.is_list else [node]
        if not nodes:
            self.add(node, "music is an empty list; name a file, or leave music out")
            return None
        tracks = []
        for item in nodes:
            if item.is_list or item.is_mapping:
                self.add(item, "music must be a file name, or a list of file names")
                continue
            text = self.text(item, "music", spoken=False)
            if text is None:
                continue
            path = self.folder / text
            if self.includes.outside(path):
                self.add(item, f"music file '{text}' is outside the folder the studio works in; keep it inside")
                continue
            reason = problem(path)
            if reason:
                where = " (paths are relative to the routine file)" if reason == "was not found" else ""
                self.add(item, f"music file '{text}' {reason}{where}")
                continue
            tracks.append(Track(path, text, self.path, item.line, item.column))
        return tuple(tracks) if len(tracks) == len(nodes) else None

    def sections(self, node: Node) -> list[Exercise | None]:
        if not node.is_list or not node.value:
            self.add(node, "sections must be a list of sections, each with a name and exercises")
            return [None]
        exercises: list[Exercise | None] = []
        for number, item in enumerate(node.value, 1):
            if not item.is_mapping:
                self.add(item, "each section must be a mapping with a name and exercises")
                exercises.append(None)
                continue
            self.keys(item, SECTION_KEYS, "section")
            name = None
            if "name" not in item.value:
                self.add(item, "missing required key 'name'")
            else:
                name = self.text(item.value["name"], "name")
            if "exercises" not in item.value:
                self.add(item, "missing required key 'exercises'")
                exercises.append(None)
                continue
            rounds = 1
            if "rounds" in item.value:
                rounds = self.positive_int(item.value["rounds"], "rounds") or 1
                if rounds > MAX_ROUNDS:
                    self.add(item.value["rounds"], f"rounds must be at most {MAX_ROUNDS}")
                    rounds = 1
            section_exercises = self.exercise_list(item.value["exercises"], name)
            if name is None:
                exercises.append(None)
                continue
            # Each round plays the section's exercises again, knowing which round it is.
            exercises.extend(replace(e, section_number=number, round=r, rounds=rounds) if e is not None else None
                             for r in range(1, rounds + 1) for e in section_exercises)
        return exercises









def _own_language(root: Node) -> str:
    """Return the language a routine's texts are in: its language:, or its pacing's, else the default."""
    pacing = root.value.get("pacing")
    nodes = [root.value.get("language"), pacing.value.get("language") if pacing and pacing.is_mapping else None]
    for node in nodes:
        if node is not None:
            try:
                return settings.parse_value("language", node.value)
            except ValueError:
                pass  # said where the routine's keys are checked
    return languages.DEFAULT




def check(path: Path, display: str | None = None) -> tuple[Routine | None, list[Problem]]:
    """Load and check one routine file, returning it (or None) and its problems."""
    checked, problems = check_file(path, display, blocks=False)
    return checked, problems  # type: ignore[return-value]


def check_file(path: Path, display: str | None = None, blocks: bool = True
               ) -> tuple[Routine | Block | None, list[Problem]]:
    """Load and check a routine file, or (with `blocks`) a block file; return it (or None) and its problems."""
    display = display if display is not None else str(path)
    problems: list[Problem] = []
    return _check_root(yamlsrc.load(path, display, problems), path, display, blocks, problems)


def check_data(data: bytes, path: Path, display: str | None = None, blocks: bool = True,
               confine: Path | None = None) -> tuple[Routine | Block | None, list[Problem]]:
    """Check text as if it were the file at `path` (its includes and cover relative to it, inside `confine`)."""
    display = display if display is not None else str(path)
    problems: list[Problem] = []
    return _check_root(yamlsrc.parse(data, display, problems), path, display, blocks, problems, confine)


def check_plain(data: dict[str, Any], path: Path) -> tuple[Routine | None, list[Problem]]:
    """Check plain data, as a routine file at `path` would be read, without writing it: for routines a program makes."""
    problems: list[Problem] = []
    routine, problems = _check_root(yamlsrc.from_plain(data), path, str(path), False, problems)
    return routine, problems  # type: ignore[return-value]


def _check_root(root: Node | None, path: Path, display: str, blocks: bool, problems: list[Problem],
                confine: Path | None = None) -> tuple[Routine | Block | None, list[Problem]]:
    if root is None:
        return None, problems
    language = _own_language(root) if root.is_mapping else None  # a block's texts serve any routine's
    checker = RoutineChecker(display, problems, path.parent, (real_path(path),), Includes(confine), language)
    checked: Routine | Block | None
    if blocks and looks_like_block(root):
        exercises = checker.block_items(root, None)
        checked = Block(display, tuple(exercises))  # type: ignore[arg-type]
    else:
        checked = checker.routine(root)
    return (checked if not problems else None), problems


def load(path: Path, display: str | None = None) -> Routine:
    """Load and check one routine file, raising ValidationError listing every problem."""
    routine, problems = check(path, display)
    if problems or routine is None:
        raise ValidationError(problems)
    return routine


def load_all(paths: list[Path], blocks: bool = False) -> list[Any]:
    """Load and check several routines (and block files, with `blocks`), reporting all their problems at once."""
    routines, problems = [], []
    for path in paths:
        routine, found = check_file(path, blocks=blocks)
        problems.extend(found)
        if routine is not None:
            routines.append(routine)
    if problems:
        raise ValidationError(problems)
    return routines
