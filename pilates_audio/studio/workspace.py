"""The studio's work on a folder of routines: list, read, save, check, estimate and render, by name.

Everything here is what the studio's API does, without HTTP: names are checked to
stay inside the folder, saves never overwrite a file that changed since it was read,
and renders of one routine never run two at a time.
"""

from __future__ import annotations

import hashlib
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

import yaml

from pilates_audio import render
from pilates_audio.errors import InputError, PilatesAudioError, Problem, ValidationError
from pilates_audio.files import inside, read_regular, sweep, write_atomic, write_new
from pilates_audio.format import yamlsrc
from pilates_audio.format import Block, Routine, check_data
from pilates_audio.format.yamlsrc import MAX_FILE_BYTES
from pilates_audio.settings import KEYS, Pacing, parse_value
from pilates_audio.timing import fit

SUFFIXES = (".yaml", ".yml")
PACING_SUFFIX = ".pacing.yaml"  # a pacing file the studio saves beside its routine: not a routine itself
MAX_DEPTH = 4  # folders below the studio's folder that are listed (blocks/, say)


class NotFound(InputError):
    """A name that is not a routine or block in the folder."""


class BadName(InputError):
    """A name that is not a plain relative path inside the folder."""


class Conflict(PilatesAudioError):
    """The file changed on disk since the version the save was based on."""

    def __init__(self, name: str, current: str | None):
        super().__init__(f"{name} changed on disk since it was opened; your text is kept: save again to replace the "
                         "file with it, or reload the file from disk" if current is not None
                         else f"{name} already exists; open it instead")
        self.current = current


class Superseded(PilatesAudioError):
    """A render asked for while another of the same session ran, and a newer one came after it."""

    def __init__(self, name: str):
        super().__init__(f"a newer render of {name} was asked for; this one was dropped")


@dataclass(frozen=True)
class Document:
    """A routine or block file's text and the version it was read at."""

    name: str
    text: str
    version: str


def version_of(data: bytes) -> str:
    """Return the version of a file's bytes: what a save must be based on."""
    return hashlib.sha256(data).hexdigest()[:16]


class Workspace:
    """One folder of routines, and where their sessions are rendered."""

    def __init__(self, folder: Path, output: Path):
        self.folder = folder.resolve()
        self.output = output.resolve()  # where it is as the studio starts, whatever the current folder is later
        self._renders: dict[str, tuple[threading.Lock, list[int]]] = {}  # per output name: a lock, the newest ticket
        self._guard = threading.Lock()

    # --- names ------------------------------------------------------------------------

    def path(self, name: str, must_exist: bool = True) -> Path:
        """Return the file a name means, refusing anything but a YAML file inside the folder."""
        pure = PurePosixPath(name)
        if (not name or "\\" in name or "\x00" in name or pure.is_absolute() or any(
                part in ("", ".", "..") or part.startswith(".") for part in name.split("/"))
                or len(pure.parts) > MAX_DEPTH + 1):
            raise BadName(f"'{name}' is not a routine name; give a path inside the folder, such as mat.yaml or "
                          "blocks/warm-up.yaml")
        if pure.suffix.lower() not in SUFFIXES:
            raise BadName(f"'{name}' is not a YAML file name (.yaml or .yml)")
        if pure.name.lower().endswith(PACING_SUFFIX):
            raise BadName(f"'{name}' is a pacing file, not a routine (save pacing with the pacing panel)")
        path = self.folder.joinpath(*pure.parts)
        if inside(path, self.output):
            raise BadName(f"'{name}' is in the output folder, where sessions are written, not routines")
        if not inside(path, self.folder):  # links are followed only where they stay inside the folder
            raise BadName(f"'{name}' leads out of the folder")
        if must_exist and not path.is_file():
            raise NotFound(f"no routine named '{name}' in {self.folder}")
        return path

    def names(self) -> list[str]:
        """Return every routine and block file in the folder (and folders below it), by name."""
        found = []
        for root, files in _folders(self.folder, self.output):
            for file in sorted(files):
                if Path(file).suffix.lower() in SUFFIXES and not file.startswith(".") \
                        and not file.lower().endswith(PACING_SUFFIX):
                    name = Path(root, file).relative_to(self.folder).as_posix()
                    try:
                        self.path(name)
                    except InputError:
                        continue  # a link out of the folder, say
                    found.append(name)
        return found

    def sweep(self) -> int:
        """Remove what saves of studios no longer running left half-written (kill -9, a power cut); count them."""
        return sum(sweep(Path(root)) for root, _ in _folders(self.folder, self.output))

    # --- files ------------------------------------------------------------------------

    def read(self, name: str) -> Document:
        """Return a file's text and version."""
        data = _read(self.path(name))
        return Document(name, data.decode("utf-8", "replace"), version_of(data))

    def save(self, name: str, text: str, version: str | None) -> Document:
        """Write a file whole, if it is still at `version` (None: a new file that must not exist yet)."""
        data = text.encode("utf-8")
        if len(data) > MAX_FILE_BYTES:
            raise InputError(f"{name}: the text is too large ({len(data):,} bytes; the limit is {MAX_FILE_BYTES:,})")
        path = self.path(name, must_exist=version is not None)
        sweep(path.parent)  # as a render sweeps its output folder: a save is where one was cut short
        with self._guard:  # two saves of one file at once: the second sees the first's version
            if version is None:
                path.parent.mkdir(parents=True, exist_ok=True)
                if not write_new(path, data):
                    raise Conflict(name, None)
            else:
                current = version_of(_read(path))
                if current != version:
                    raise Conflict(name, current)
                write_atomic(path, data)
        return Document(name, text, version_of(data))

    def _no_twin(self, name: str) -> None:
        """Refuse to render a routine whose session another routine of the folder (of the same name) also writes."""
        stem = PurePosixPath(name).stem
        for other in self.names():
            if other != name and PurePosixPath(other).stem == stem:
                checked, _ = self.check(other)
                if not isinstance(checked, Block):  # blocks are never rendered
                    raise InputError(f"{other} and {name} would both be written as {self.output / stem}.mp3 (and its "
                                     f"{render.SIDECAR_NAMES}); rename one")

    # --- pacing kept in files -----------------------------------------------------------

    def save_pacing(self, name: str, settings: dict[str, Any], replace: bool = False) -> str:
        """Write the studio's settings as a pacing file beside a routine (`mat.pacing.yaml`); return its name."""
        self.pacing(None, settings)  # refuse what the command line would refuse
        chosen = {key: value for key, value in settings.items() if value not in (None, "")}
        if not chosen:
            raise InputError("nothing is set in the studio's pacing panel to save")
        checked, _ = self.check(name)
        if isinstance(checked, Block):
            raise InputError(f"{name} is a block; save pacing beside a routine that includes it")
        target = PurePosixPath(name).with_suffix("").as_posix() + PACING_SUFFIX
        data = yaml.safe_dump(chosen, sort_keys=False, allow_unicode=True).encode("utf-8")
        path = self.folder.joinpath(*PurePosixPath(target).parts)  # the routine's name, checked: so is this
        sweep(path.parent)
        with self._guard:
            if replace:
                write_atomic(path, data)
            elif not write_new(path, data):
                raise Conflict(target, None)
        return target

    # --- checking and planning --------------------------------------------------------

    def check(self, name: str, text: str | None = None) -> tuple[Any, list[Problem]]:
        """Check a file's text (or, with None, the file as saved); return the routine or block and the problems."""
        path = self.path(name, must_exist=text is None)
        data = _read(path) if text is None else text.encode("utf-8")
        return check_data(data, path, name, confine=self.folder)

    def pacing(self, routine: Routine | None, settings: dict[str, Any]
               ) -> tuple[Pacing, dict[str, str]]:
        """Return the effective pacing for settings given as a person types them, and where each came from."""
        flags: dict[str, Any] = {}
        problems = []
        for key, value in settings.items():
            if key not in KEYS:
                problems.append(f"unknown pacing setting '{key}'")
                continue
            if value is None or value == "":
                continue
            try:
                flags[key] = parse_value(key, value)
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
        if problems:
            raise InputError("; ".join(problems))
        return render.effective_pacing(routine, flags, given_by="studio")

    def estimate(self, name: str, text: str | None = None, settings: dict[str, Any] | None = None,
                 length: float | None = None) -> dict[str, Any]:
        """Plan a routine on estimates (no synthesis): its script, length, warnings and pacing."""
        checked, problems = self.check(name, text)
        if problems:
            raise ValidationError(problems)
        if not isinstance(checked, Routine):
            raise InputError(f"{name} is a block (a list of exercises): it is planned as part of a routine that "
                             "includes it")
        pacing, sources = self.pacing(checked, settings or {})
        script, _ = render.planned(checked, pacing, _target(length, settings or {}))
        data = script.to_json()
        values = pacing.to_json(music=True)
        if values["engine"] != data["pacing"]["engine"]:
            values["engine"] = f"{values['engine']} ({data['pacing']['engine']})"  # auto, and what it chose
        keep = _target(1.0, settings or {}).keep_breath  # type: ignore[union-attr]
        shortest, longest = render.reach(checked, pacing, keep)
        return {"script": data, "duration": data["duration"], "warnings": list(script.warnings),
                "reach": [round(shortest, 3), round(longest, 3)],
                "pacing": {key: {"value": values[key], "source": sources[key]} for key in KEYS}}

    # --- rendering --------------------------------------------------------------------

    def render(self, name: str, settings: dict[str, Any] | None = None, length: float | None = None,
               music: bool = True) -> render.Session:
        """Render a saved routine into the output folder, one render of a session's files at a time.

        A render asked for while another writing the same files runs waits for it; if a
        newer one is asked for meanwhile, only the newest runs (Superseded).
        """
        path = self.path(name)
        output = PurePosixPath(name).stem  # what its files are named: two routines of one name share them
        with self._guard:
            lock, newest = self._renders.setdefault(output, (threading.Lock(), [0]))
            newest[0] += 1
            ticket = newest[0]
        # Waiting, a render gives way as soon as a newer one is asked for, so at most one waits:
        # the others do not each hold one of the server's threads until the running one ends.
        while not lock.acquire(timeout=0.05):
            if newest[0] != ticket:
                raise Superseded(name)
        with _held(lock):
            if newest[0] != ticket:
                raise Superseded(name)
            checked, problems = check_data(_read(path), path, str(path), blocks=False,
                                                       confine=self.folder)
            if problems or not isinstance(checked, Routine):
                raise ValidationError(problems)
            routine = checked if music else replace(checked, music=())  # as render --no-music
            self._no_twin(name)
            pacing, _ = self.pacing(routine, settings or {})
            render.check_outputs([routine], self.output)
            return render.render(routine, pacing, self.output, target=_target(length, settings or {}))


def _folders(folder: Path, output: Path) -> Iterator[tuple[str, list[str]]]:
    """Yield each folder below `folder` that holds routines, and its files: hidden folders and `output` are not."""
    for root, folders, files in os.walk(folder):
        depth = len(Path(root).relative_to(folder).parts)
        # Hidden folders, the output folder and deep trees are not the user's routines.
        folders[:] = sorted(f for f in folders if not f.startswith(".") and depth < MAX_DEPTH
                            and Path(root, f).resolve() != output.resolve())
        yield root, files


def _read(path: Path) -> bytes:
    """Return a file's bytes, refusing one that cannot be read or is over the size limit."""
    try:
        data, size = read_regular(path, MAX_FILE_BYTES)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise InputError(f"{path}: file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
    return data


def _target(length: float | None, settings: dict[str, Any]) -> fit.Target | None:
    """Return a target length; an inhale or exhale set in the studio is kept as it is, as a flag's is."""
    if length is None:
        return None
    return fit.Target(length, keep_breath=any(settings.get(key) not in (None, "") for key in fit.BREATH_FLAGS))


def with_pacing(text: str, settings: dict[str, Any]) -> str:
    """Return a routine's text with settings written into its pacing block (made after the title if it has none)."""
    chosen = {key: value for key, value in settings.items() if value not in (None, "")}
    if not chosen:
        raise InputError("nothing is set in the studio's pacing panel to write")
    problems: list[Problem] = []
    if not yamlsrc.within_limits(text, "text", problems):  # what check refuses would hold the studio as long here
        first = problems[0]
        raise InputError(f"pacing cannot be written into this text (line {first.line}, column {first.column}): "
                         f"{first.message}")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        raise InputError("the routine must be valid YAML before pacing is written into it") from None
    if not isinstance(root, yaml.MappingNode):
        raise InputError("pacing is written into a routine (a mapping with a title), not a block")
    nodes = {key.value: (key, value) for key, value in root.value if isinstance(key, yaml.ScalarNode)}
    if "pacing" not in nodes:
        flow = yaml.safe_dump(chosen, default_flow_style=True, sort_keys=False, allow_unicode=True, width=10**6)
        after = nodes["title"][1].end_mark.index if "title" in nodes else len(text.rstrip("\n"))
        if after > 0 and text[after - 1] == "\n":  # a title of several lines ends where the next line starts
            return text[:after] + "pacing: " + flow.strip() + "\n" + text[after:]
        line_end = text.find("\n", after)
        line_end = len(text) if line_end < 0 else line_end
        return text[:line_end] + "\npacing: " + flow.strip() + text[line_end:]
    value = nodes["pacing"][1]
    start, end = value.start_mark.index, value.end_mark.index
    existing = yaml.safe_load(text).get("pacing") if isinstance(value, yaml.MappingNode) else None
    merged = {**(existing or {}), **chosen}
    if value.flow_style or not isinstance(value, yaml.MappingNode) or not existing:
        written = yaml.safe_dump(merged, default_flow_style=True, sort_keys=False, allow_unicode=True, width=10**6)
        return text[:start] + written.strip() + text[end:]
    indent = " " * value.start_mark.column
    lines = yaml.safe_dump(merged, default_flow_style=False, sort_keys=False, allow_unicode=True).splitlines()
    block = ("\n" + indent).join(lines)
    tail = text[start:end]
    trailing = tail[len(tail.rstrip()):]  # the newlines the block ended with, kept
    return text[:start] + block + trailing + text[end:]



@contextmanager
def _held(lock: threading.Lock) -> Iterator[None]:
    """Release a lock already acquired when the block ends."""
    try:
        yield
    finally:
        lock.release()
