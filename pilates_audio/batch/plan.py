"""Plan a catalogue: expand the manifest's matrix into sessions, and find the distinct lines they speak."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from pilates_audio import __version__, render, speech
from pilates_audio.batch import daily, processes
from pilates_audio.batch.manifest import Manifest
from pilates_audio.errors import PilatesAudioError
from pilates_audio.format import Routine, load, parse_duration
from pilates_audio.publish import tracks
from pilates_audio.settings import PRESETS, Pacing
from pilates_audio.sound import levelling, mp3
from pilates_audio.timing import SAMPLE_RATE, Target, candidate_lines

STAMPS = ".batch"  # in the output folder: one stamp per session, saying what it was made from
PARALLEL_FROM = 16  # sessions: fewer are planned in this process, quicker than starting others


@dataclass(frozen=True)
class Voicing:
    """An engine, voice, language and rate: lines spoken with the same ones share their clips."""

    engine: str
    voice: str | None
    language: str
    rate: int

    def speech(self, workers: int | None = None) -> speech.Speech:
        """Return the clips of this voicing."""
        return speech.Speech(self.voice, self.rate, workers=workers, engine=self.engine, language=self.language)

    def __str__(self) -> str:
        return f"{self.engine} {self.voice or 'default voice'} ({self.language}) at {self.rate} wpm"


@dataclass(frozen=True)
class Output:
    """Where and how sessions are written."""

    folder: Path
    bitrate: int = mp3.DEFAULT_BITRATE
    loudness: float = levelling.DEFAULT_LOUDNESS
    split: bool = False  # also one MP3 per chapter and their playlist, as `render --split`


@dataclass(frozen=True)
class Job:
    """One session of the catalogue: what it is made from, and what it speaks."""

    name: str
    routine: Routine
    pacing: Pacing  # with the engine that speaks it, as the timed script names it
    target: Target | None
    voicing: Voicing
    lines: tuple[str, ...]  # every line the session may speak
    inputs: str  # a digest of everything the session is made from
    seconds: float  # its planned length, on estimates
    published: float | None = None  # a composed class's: when its day comes, the time its files are dated


@dataclass(frozen=True)
class Failure:
    """A session that could not be made, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class Lines:
    """The distinct lines of one voicing among the sessions to make, and how many of them the cache holds."""

    voicing: Voicing
    lines: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """The whole catalogue: sessions to make, those up to date, those that cannot be made, and the lines to speak."""

    jobs: tuple[Job, ...]
    current: tuple[str, ...]
    failed: tuple[Failure, ...]
    lines: tuple[Lines, ...]

    @property
    def sessions(self) -> int:
        return len(self.jobs) + len(self.current) + len(self.failed)


def combinations(manifest: Manifest) -> list[dict[str, str]]:
    """Return each combination of the variants' values the exclude rules leave, in the order written."""
    keys = [key for key, _ in manifest.dimensions]
    result = []
    for values in itertools.product(*(values for _, values in manifest.dimensions)):
        chosen = dict(zip(keys, values))
        if not any(all(chosen[key] == value for key, value in rule) for rule in manifest.exclude):
            result.append(chosen)
    return result


def session_name(manifest: Manifest, routine_name: str, chosen: dict[str, str]) -> str:
    """Name a session after its routine and its values of the dimensions that vary."""
    varying = [key for key, values in manifest.dimensions if len(values) > 1]
    labels = [Path(chosen[key]).stem if key == "pace" and chosen[key] not in PRESETS
              else Path(chosen[key]).name.removesuffix(".onnx") if key == "voice" else chosen[key]
              for key in varying]
    return "-".join([routine_name, *labels])


def plan(manifest: Manifest, output: Output, workers: int | None = None) -> Plan:
    """Plan every session, on up to `workers` processes; a routine that cannot be loaded or planned fails its own."""
    combos = combinations(manifest)
    routines: list[tuple[Path, Routine | None, str]] = []
    for path in manifest.routines:
        try:
            routines.append((path, load(path), ""))
        except PilatesAudioError as exc:
            routines.append((path, None, exc.format_message()))
    tasks = [(manifest, routine, chosen, session_name(manifest, routine.name, chosen), output)
             for _, routine, _ in routines if routine is not None for chosen in combos]
    # Nothing a batch writes may replace an input or another session's files.
    render.check_outputs([task[1] for task in tasks], output.folder, names=[task[3] for task in tasks],
                         split=output.split)
    workers = workers or speech.cores()
    if workers > 1 and len(tasks) >= PARALLEL_FROM:
        results = [result for _, result in sorted(processes.each(_planned, tasks, workers), key=lambda done: done[0])]
    else:
        results = [_planned(*task) for task in tasks]
    jobs: list[Job] = []
    current: list[str] = []
    failed: list[Failure] = []
    planned = iter(results)
    for path, routine, problem in routines:
        for chosen in combos:
            result = next(planned) if routine is not None else Failure(session_name(manifest, path.stem, chosen),
                                                                       problem)
            if isinstance(result, Failure):
                failed.append(result)
            elif up_to_date(output.folder, result.name, result.inputs, output.split):
                current.append(result.name)
            else:
                jobs.append(result)
    distinct: dict[Voicing, dict[str, None]] = {}
    for job in jobs:
        distinct.setdefault(job.voicing, {}).update(dict.fromkeys(job.lines))
    lines = []
    for voicing, texts in distinct.items():
        voices = voicing.speech()
        lines.append(Lines(voicing, tuple(texts), tuple(text for text in texts if not voices.path(text).exists())))
    return Plan(tuple(jobs), tuple(current), tuple(failed), tuple(lines))


def _planned(manifest: Manifest, routine: Routine, chosen: dict[str, str], name: str, output: Output) -> Job | Failure:
    """Plan one session, or say why it cannot be made."""
    try:
        return _job(manifest, routine, chosen, name, output)
    except PilatesAudioError as exc:
        return Failure(name, exc.format_message())


@lru_cache(maxsize=None)
def _identity(voicing: Voicing) -> str:
    """Return what a voicing's clips depend on (for Piper, the model's checksum), once per process."""
    return voicing.speech().identity


def _job(manifest: Manifest, routine: Routine, chosen: dict[str, str], name: str, output: Output) -> Job:
    """Plan one session on estimates, with the settings its variant values give, as `render` would with flags."""
    pace = chosen.get("pace")
    flags = {key: chosen[key] for key in ("language", "voice", "engine") if key in chosen}
    if pace in PRESETS:
        flags["preset"] = pace
    pacing, _ = render.effective_pacing(routine, flags, manifest.layer(pace) if pace else None)
    length = chosen.get("length")
    target = Target(parse_duration(length, breaths_allowed=False).amount) if length else None
    planned, fitted = render.planned(routine, pacing, target)
    engine = speech.choose(pacing.engine, pacing.voice, pacing.language)
    pacing = replace(pacing, engine=engine.name)  # the engine that speaks, wherever the session is assembled
    voicing = Voicing(engine.name, pacing.voice, pacing.language, pacing.rate)
    chosen_routine, chosen_pacing = (fitted.routine, fitted.pacing) if fitted is not None else (routine, pacing)
    lines = candidate_lines(chosen_routine, replace(chosen_pacing, engine=engine.name))
    day = manifest.day(Path(routine.path))
    published = daily.published(day) if day is not None else None
    inputs = _digest({
        "version": __version__, "name": name, "values": chosen, "published": published, "pacing": pacing.to_json(music=True),
        "fixed": sorted(pacing.fixed), "target": [target.seconds, target.keep_breath] if target else None,
        "voice": _identity(voicing), "bitrate": output.bitrate, "loudness": output.loudness,
        # Named only when asked for, so sessions made before there were tracks stay up to date.
        **({"split": True} if output.split else {}),
        "files": [_file_digest(Path(p)) for p in (routine.path, *routine.includes,
                                                  *([routine.cover] if routine.cover else []),
                                                  *(track.path for track in routine.music))],
    })
    return Job(name, routine, pacing, target, voicing, tuple(lines), inputs,
               planned.duration / SAMPLE_RATE, published)


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stamp_path(folder: Path, name: str) -> Path:
    """Return where a session's stamp is kept."""
    return folder / STAMPS / f"{name}.json"


def _outputs(folder: Path, name: str) -> list[Path]:
    return [folder / f"{name}{suffix}" for suffix in render.OUTPUTS]


def up_to_date(folder: Path, name: str, inputs: str, split: bool = False) -> bool:
    """Tell whether a session was made from these inputs and its files are still the ones made then.

    Split, its playlist must be there too (its tracks are taken as the playlist's).
    """
    try:
        stamp = json.loads(stamp_path(folder, name).read_text(encoding="utf-8"))
        info = (folder / f"{name}.mp3").stat()
    except (OSError, ValueError):
        return False
    return (isinstance(stamp, dict) and stamp.get("inputs") == inputs
            and stamp.get("mp3") == [info.st_size, info.st_mtime_ns]
            and all(path.is_file() for path in _outputs(folder, name))
            and (not split or tracks.playlist(folder, name).is_file()))


def date_outputs(folder: Path, name: str, when: float) -> None:
    """Date a session's files: a feed gives an episode the time of its MP3, and holds back one dated later than now."""
    for path in _outputs(folder, name):
        if path.exists():
            os.utime(path, (when, when))


def stamp(folder: Path, name: str, inputs: str) -> None:
    """Note, after its files are in place (and dated), what a session was made from."""
    from pilates_audio.files import write_atomic

    info = (folder / f"{name}.mp3").stat()
    path = stamp_path(folder, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps({"inputs": inputs, "mp3": [info.st_size, info.st_mtime_ns]}).encode("utf-8"))
