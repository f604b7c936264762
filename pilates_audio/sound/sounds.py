"""The sounds store: a session's lines and tones, their samples and loudness profiles, and levels kept in the cache."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from array import array
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from pilates_audio import cache
from pilates_audio.speech import gating
from pilates_audio.sound.entries import decode_note, encode_note, load_frames, store_frames
from pilates_audio.sound.tones import tone
from pilates_audio.speech import Speech
from pilates_audio.timing import Script

PEAK_CEILING = -2.0  # dBFS for samples: MP3 encoding adds up to about 1 dB, keeping true peaks under -1 dBTP
MAX_CLIP_GAIN = 30.0  # dB either way: no line is ever boosted from near silence
Key = tuple[str, str]  # ("speech", text) or ("tone", name): one sound of a session
GAIN_STEP = 0.1  # dB: gains are rounded to this, so a re-render finds its levelled pieces again
LIKELY_CORRECTION = 1.2  # dB over each line's own level where a session's correction usually lands
LEVEL_FORMAT = 2  # bump when the way levels or pieces are computed changes


@lru_cache(maxsize=None)
def _tone_steps(name: str) -> list[float]:
    from pilates_audio.speech import levels  # numpy: a tone's profile is worked out, not stored

    return levels.profile(tone(name)).tolist()


def sound_keys(script: Script) -> list[Key]:
    """Return every line and tone the script sounds, each once, in a stable order."""
    return sorted({(cue.kind, cue.text) for cue in script.cues if cue.kind != "pause"})


def round_gain(value: float) -> float:
    """Return a gain rounded onto the GAIN_STEP grid."""
    return round(round(value / GAIN_STEP) * GAIN_STEP, 6)


def trial_gains(base: float, correction: float) -> tuple[float, float]:
    """Return the two gains a sound is measured at around a correction."""
    return round_gain(base + correction), round_gain(base + correction + GAIN_STEP)


class Sounds:
    """A session's lines and tones: samples, loudness profiles, and levels remembered in the cache."""

    def __init__(self, voices: Speech, ceiling: float = PEAK_CEILING, cache: Path | None = None):
        self.voices = voices
        self.ceiling = ceiling
        self.cache = cache  # where levels and encoded pieces are kept (None: nowhere)
        self._kept: dict[tuple[Key, float], float] = {}
        self._unwritten: list[tuple[Path, bytes]] = []

    def pcm(self, key: Key) -> bytes:
        return self.voices.pcm(key[1]) if key[0] == "speech" else tone(key[1])

    def profile(self, key: Key) -> list[float]:
        """Return the sound's K-weighted energy in each 10 ms step (stored as little-endian float32)."""
        if key[0] != "speech":
            return _tone_steps(key[1])
        steps = array("f", self.voices.info(key[1]).steps)
        if sys.byteorder == "big":
            steps.byteswap()
        return steps.tolist()

    def length(self, key: Key) -> int:
        return self.voices.info(key[1]).length if key[0] == "speech" else len(tone(key[1])) // 2

    def identity(self, key: Key) -> str:
        """Return what names this sound's audio: the digest of its samples."""
        if key[0] == "speech":
            return self.voices.info(key[1]).digest
        return hashlib.sha256(tone(key[1])).hexdigest()

    def base_gain(self, key: Key, target: float) -> float:
        """Return the gain that brings a line to `target` on its own (tones keep their level: 0)."""
        if key[0] != "speech":
            return 0.0
        loudness = gating.clip_loudness(self.profile(key), self.length(key))
        return round_gain(max(-MAX_CLIP_GAIN, min(MAX_CLIP_GAIN, target - loudness)))

    def prepare(self, text: str, target: float) -> None:
        """Measure a line where levelling looks first, as soon as it is spoken (see `level`)."""
        base = self.base_gain(("speech", text), target)
        self.kept([(("speech", text), gain) for gain in trial_gains(base, LIKELY_CORRECTION)])

    def levelled(self, key: Key, gain: float, keep: bool = False) -> bytes:
        """Return the sound's samples at `gain` dB, its peaks held under the ceiling (kept in the cache if asked)."""
        # Over music every line is mixed afresh after a re-pacing, at the gains the session
        # had before (a correction already used is preferred): reading a line back at its
        # level costs a fraction of limiting it again.
        path = self._levelled_path(key, gain) if keep else None
        if path is not None:
            found = load_frames(path, self.length(key))
            if found is not None:
                return found
        from pilates_audio.speech import levels  # numpy: only where a sound is levelled afresh

        data = levels.adjust(self.pcm(key), gain, self.ceiling)
        if path is not None:
            store_frames(path, data, self.length(key))
        return data

    def _levelled_path(self, key: Key, gain: float) -> Path | None:
        if self.cache is None:
            return None
        name = self._name(key, gain, "levelled")
        return Path(f"{self.cache}/clips/{self.voices.folder}/{name[:2]}/{name}.levelled")

    def _note(self, key: Key, gain: float, kind: str = "kept") -> Path | None:
        if self.cache is None:
            return None
        name = self._name(key, gain, kind)
        return self.cache / "levels" / self.voices.folder / name[:2] / name

    def _name(self, key: Key, gain: float, kind: str) -> str:
        """Name what is kept of a sound at a gain: everything it depends on, hashed."""
        data = json.dumps([LEVEL_FORMAT, kind, self.identity(key), gain, self.ceiling])
        return hashlib.sha256(data.encode("utf-8")).hexdigest()

    def was_used(self, key: Key, gain: float) -> bool:
        """Tell whether a session used this sound at this gain before."""
        note = self._note(key, gain, "used")
        if note is None or not note.exists():
            return False
        cache.used(note)
        return True

    def mark_used(self, key: Key, gain: float) -> None:
        """Note that a session used this sound at this gain, so a re-render prefers it."""
        note = self._note(key, gain, "used")
        if note is not None and note.exists():
            cache.used(note)
        elif note is not None:
            self._unwritten.append((note, b"1\n"))

    def kept(self, pairs: list[tuple[Key, float]]) -> dict[tuple[Key, float], float]:
        """Return the energy of each sound at a gain, after the limiter, relative to its energy as is.

        Worked out once and noted in the cache, where later runs find it; a sound
        wanted at several gains is read once for all of them.
        """
        todo: dict[Key, list[float]] = {}
        for key, gain in pairs:
            if (key, gain) not in self._kept:
                value = self._read_note(key, gain)
                if value is None:
                    todo.setdefault(key, []).append(gain)
                else:
                    self._kept[(key, gain)] = value
        def work(key: Key) -> list[float]:
            from pilates_audio.speech import levels  # numpy: only for sounds measured afresh

            return levels.kept_energies(self.pcm(key), todo[key], self.ceiling)

        if len(todo) > 1:
            # After a re-pacing this can be every line of the session; numpy lets go of the
            # interpreter for the long arrays, so the lines are worked on every core at once.
            with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1)) as pool:
                found = dict(zip(todo, pool.map(work, todo)))
        else:
            found = {key: work(key) for key in todo}  # one line as it is spoken: no pool for it
        for key, wanted in todo.items():
            for gain, value in zip(wanted, found[key]):
                self._kept[(key, gain)] = value
                note = self._note(key, gain)
                if note is not None:
                    self._unwritten.append((note, encode_note(value)))
        return {pair: self._kept[pair] for pair in pairs}

    def write_notes(self) -> None:
        """Write the levels worked out in this run to the cache (done while pieces are encoded)."""
        while self._unwritten:
            note, data = self._unwritten.pop()
            cache.store(note, data)  # in a read-only cache, the note is worked out again next time

    def _read_note(self, key: Key, gain: float) -> float | None:
        note = self._note(key, gain)
        if note is None:
            return None
        try:
            value = decode_note(note.read_bytes())
        except OSError:
            return None
        if value is not None:
            cache.used(note)
        return value

