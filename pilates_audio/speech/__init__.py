"""Speech: the engines (one module each), their worker processes, and the clip cache.

Adding an engine is adding a module `<name>_engine` with an `Engine` class (see `base.Engine`)
and its name in `engines.NAMES`, which ENGINES is made from.
"""

from __future__ import annotations

import importlib
import os
import threading
from pathlib import Path
from typing import Callable, Iterable

from pilates_audio import engines
from pilates_audio.files import cache_dir
from pilates_audio.speech import clips
from pilates_audio.speech.base import (SAMPLE_RATE, BadVoice, Engine, SpeechError, UnknownVoice, Voice,
                                       VoiceError)
from pilates_audio.speech.clips import Clip, ClipInfo, clip_key, decode_clip

__all__ = ["SAMPLE_RATE", "BadVoice", "Clip", "ClipInfo", "ENGINES", "Engine", "Speech", "SpeechError",
           "UnknownVoice", "Voice", "VoiceError", "choose", "clip_key", "decode_clip", "engine"]

# Each engine's module, by its name (the names are `engines.NAMES`); `fake` is for tests and is not
# offered as a setting.
ENGINES = {name: f"{__name__}.{name}_engine" for name in (*engines.NAMES, "fake")}


def engine(name: str) -> Engine:
    """Return the engine called `name`."""
    return importlib.import_module(ENGINES[name]).Engine()


def choose(setting: str, voice: str | None = None, language: str = "en") -> Engine:
    """Return the engine a setting means: `auto` is Piper when a Piper voice can speak (the language), else pyttsx3."""
    if setting != engines.AUTO:
        chosen = engine(setting)
        problem = chosen.missing()
        if problem:
            raise VoiceError(problem)
        return chosen
    piper = engine("piper")
    if piper.missing() is None:
        try:
            piper.resolve(voice, language)
            return piper
        except VoiceError:
            pass  # no Piper voice (of that language), or a voice of another engine
    return engine("pyttsx3")


def voice_notes(setting: str, voice: str | None, language: str) -> tuple[str, ...]:
    """Say where the session's voice is not one of its language: eSpeak NG standing in, or a voice of another."""
    if setting not in (engines.AUTO, "piper"):
        return ()  # only Piper's voices are told apart by language; Piper is not loaded for another engine
    from pilates_audio.speech.base import speaks
    from pilates_audio.speech.piper_engine import NoVoiceFor

    piper = engine("piper")
    if piper.missing() is not None:
        return ()
    if voice is None and setting == engines.AUTO:
        try:
            piper.resolve(None, language)
        except NoVoiceFor as exc:  # Piper has voices, but none of this language
            return (f"no Piper voice speaks the routine's language ({language}), so eSpeak NG does; for a "
                    f"neural voice, fetch one with {exc.fetch}",)
        except VoiceError:
            pass  # no Piper voice at all: eSpeak NG is simply the engine here
        return ()
    if voice is not None and setting in (engines.AUTO, "piper"):
        found = next((v for v in piper.voices() if v.id.lower() == voice.lower()), None)
        if found is not None and found.languages and not speaks(found, language):
            return (f"the voice {found.id} speaks {', '.join(found.languages)}, not the routine's language "
                    f"({language})",)
    return ()


def cores() -> int:
    """Return how many processors this process may run on: one speech worker each."""
    if hasattr(os, "sched_getaffinity"):  # honours taskset and container limits
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class Speech:
    """Clips for one engine, voice and rate: lengths, audio, and synthesis of what is missing.

    The cache's bookkeeping and the worker pool are imported where clips are read or made, so that
    planning on estimates (`check`, `script`) starts without them.
    """

    def __init__(self, voice: str | None, rate: int, root: Path | None = None, workers: int | None = None,
                 engine: Engine | str = engines.AUTO, language: str = "en"):
        self.engine = choose(engine, voice, language) if isinstance(engine, str) else engine
        self.voice = self.engine.resolve(voice, language)  # an unknown voice is named before any work
        self.rate = rate
        self.root = root or cache_dir()
        self.workers = workers or cores()
        from pilates_audio import cache, cache_runs

        self.identity = self.engine.identity(self.voice)
        # One folder per voice in each kind of cache, so `pilates-audio cache` can say what each holds.
        self.folder = cache.voice_folder(self.engine.name, self.voice, self.identity)
        self.clip_dir = self.root / "clips" / self.folder
        cache_runs.hold(self.root)
        # Only lengths and profiles stay in memory; audio is read back when needed,
        # so memory does not grow with the number of lines.
        self._clips: dict[str, ClipInfo] = {}

    def estimate(self, text: str) -> int:
        """Estimate a line's length in samples without synthesizing it."""
        return self.engine.estimate(text, self.rate)

    def path(self, text: str) -> Path:
        key = clip_key(self.identity, self.rate, text)
        return self.clip_dir / key[:2] / f"{key}.clip"

    def missing(self, lines: Iterable[str]) -> list[str]:
        """Return the lines that have no sound cache entry, loading those that do."""
        from pilates_audio import cache

        todo = []
        for text in dict.fromkeys(lines):
            if text in self._clips:
                continue
            path = self.path(text)
            found = clips.load_info(path)
            if found is None:
                todo.append(text)
            else:
                cache.used(path)
                self._clips[text] = found
        return todo

    def ensure(self, lines: Iterable[str], progress: Callable[[int, int], None] | None = None,
               ready: Callable[[str], None] | None = None) -> None:
        """Make sure every line has a clip, synthesizing the missing ones in parallel.

        `progress` is told (lines done, lines to synthesize) as each one is ready, and
        `ready` is given each new line, to start work on it while others are spoken.
        """
        from pilates_audio import cache
        from pilates_audio.speech import pool

        todo = self.missing(lines)
        if not todo:
            return
        cache.note_voice(self.clip_dir, self.engine.name, self.voice, self.identity)
        loaded = len(self._clips)
        lock = threading.Lock()

        def done(text: str, info: ClipInfo) -> None:
            cache.stored(clips.entry_size(info))
            with lock:
                self._clips[text] = info
                if progress:
                    progress(len(self._clips) - loaded, len(todo))
            if ready:
                ready(text)

        pool.synthesize(self.engine.name, self.voice, self.rate, [(text, self.path(text)) for text in todo],
                        self.workers, done)

    def length(self, text: str) -> int:
        """Return a clip's length in samples (the clip must be ensured first)."""
        return self._clips[text].length

    def cached_length(self, text: str) -> int | None:
        """Return a clip's length in samples if the cache has it (loading it), else None."""
        return None if self.missing([text]) else self._clips[text].length

    def info(self, text: str) -> ClipInfo:
        """Return a clip's length, profile and identity (the clip must be ensured first)."""
        return self._clips[text]

    def pcm(self, text: str) -> bytes:
        """Read a clip's audio back from the cache, checking it is the clip that was measured."""
        clip = clips.load(self.path(text))
        if clip is None or clip.digest != self._clips[text].digest:
            raise SpeechError(f'the cached clip for "{text}" changed or was damaged during this run; run again',
                              retry=False)
        return clip.pcm


def list_voices(name: str | None = None) -> list[tuple[str, Voice]]:
    """Return (engine, voice) for every voice of every engine usable here, or of one engine."""
    found = []
    for setting in engines.NAMES if name is None else (name,):
        chosen = engine(setting)
        problem = chosen.missing()
        if problem and name is None:
            continue  # every engine: those not installed have no voices here
        if problem:
            raise VoiceError(problem)
        found += [(setting, voice) for voice in chosen.voices()]
    return found
