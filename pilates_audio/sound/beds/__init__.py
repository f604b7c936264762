"""Sounds under the voice: a bed that plays through a session and ducks exactly when the voice sounds.

A bed (music today; one module per kind) gives its samples for any stretch of the
session and its loudness. This module works out, from the script's own cue times,
the gain envelope that lowers it under every line and tone and brings it back
after, and mixes it under the levelled sounds one stretch at a time. Nothing here
reacts to the voice: the script says in advance when it will sound.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pilates_audio.timing import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np

    from pilates_audio.settings import Pacing
    from pilates_audio.timing import Cue

KINDS = ("music",)  # the beds there are, each a module here


class Bed(Protocol):
    """Sound that plays under a whole session, looped as long as it lasts."""

    names: tuple[str, ...]  # what it is made of, as the routine names it
    crossfade: float  # seconds one play overlaps the next where it loops (0: it does not)
    identity: str  # names its sound: two beds with one identity give the same samples

    @property
    def loudness(self) -> float:
        """Return its integrated loudness in LUFS, at 0 dB gain."""

    @property
    def peak(self) -> float:
        """Return the largest sample it can reach at 0 dB gain (full scale 1.0), crossfades included."""

    def samples(self, start: int, count: int) -> "np.ndarray":
        """Return `count` samples from session sample `start` on, at 0 dB gain, as float32 (full scale 1.0)."""


@dataclass(frozen=True)
class Ducking:
    """How a bed sits under the voice: its level, how far it ducks, its ramps and fades."""

    level: float = -14.0  # LU relative to the speech's loudness
    duck: float = 12.0  # dB lower while a line or tone sounds
    attack: float = 0.3  # seconds it ramps down before a sound starts
    release: float = 0.6  # seconds it ramps back up after a sound ends
    fade: float = 3.0  # seconds of fade-in at the start and fade-out at the end

    @classmethod
    def of(cls, pacing: "Pacing") -> "Ducking":
        """Return the ducking a session's pacing sets."""
        return cls(pacing.music_level, pacing.duck, pacing.duck_attack, pacing.duck_release, pacing.music_fade)

    @property
    def ducked(self) -> float:
        """Return the bed's gain under a sound, as a factor of its level."""
        return 10 ** (-self.duck / 20)


Envelope = tuple[tuple[int, float], ...]  # (session sample, gain factor): linear between, the same in JSON and audio


def envelope(cues: tuple[Cue, ...], total: int, ducking: Ducking) -> Envelope:
    """Return the gain envelope of a bed under these cues: ducked under every sound, faded in and out.

    Each sound is covered from `attack` before it starts to `release` after it ends;
    sounds whose covers meet stay ducked between them, so a gap shorter than
    attack + release never lets the bed up for a moment.
    """
    attack, release = round(ducking.attack * SAMPLE_RATE), round(ducking.release * SAMPLE_RATE)
    spans: list[list[int]] = []  # [first start, last end] of sounds that duck together
    for cue in cues:
        if cue.kind == "pause" or cue.end <= cue.start:
            continue
        if spans and cue.start - attack <= spans[-1][1] + release:
            spans[-1][1] = max(spans[-1][1], cue.end)
        else:
            spans.append([cue.start, cue.end])
    low = ducking.ducked
    duck_points: list[tuple[int, float]] = []
    for start, end in spans:
        duck_points += [(start - attack, 1.0), (start, low), (end, low), (end + release, 1.0)]

    fade = round(ducking.fade * SAMPLE_RATE)

    def fade_at(at: int) -> float:
        if fade <= 0:
            return 1.0
        return max(0.0, min(1.0, at / fade, (total - at) / fade))

    times = {0, total, min(fade, total), max(total - fade, 0)}
    times.update(x for x, _ in duck_points if 0 <= x <= total)
    ordered = sorted(times)
    values = _duck_values(duck_points, ordered) if duck_points else [1.0] * len(ordered)
    return tuple((at, round(fade_at(at) * value, 6)) for at, value in zip(ordered, values))


def _duck_values(points: list[tuple[int, float]], times: list[int]) -> list[float]:
    """Evaluate the piecewise-linear duck (1.0 outside its points) at sorted times."""
    import numpy as np

    xs = np.array([x for x, _ in points], dtype=np.float64)
    ys = np.array([y for _, y in points], dtype=np.float64)
    return [float(v) for v in np.interp(np.array(times, dtype=np.float64), xs, ys, left=1.0, right=1.0)]


def gain_at(envelope_: Envelope, at: int) -> float:
    """Return the envelope's gain factor at one sample."""
    return float(gains(envelope_, at, 1)[0])


def gains(envelope_: Envelope, start: int, count: int) -> "np.ndarray":
    """Return the envelope's gain factor at each sample of a stretch, as float32 (0 outside the envelope)."""
    import numpy as np

    out = np.zeros(count, dtype=np.float32)
    end = start + count
    # From the last point at or before the stretch: a session's envelope has thousands.
    first = max(0, bisect.bisect_right(envelope_, (start, float("inf"))) - 1)
    for index in range(first, len(envelope_) - 1):  # by index: a slice would copy the rest of the envelope
        (x0, y0), (x1, y1) = envelope_[index], envelope_[index + 1]
        if x1 <= start or x1 <= x0:
            continue
        if x0 >= end:
            break
        a, b = max(x0, start), min(x1, end)
        if y0 == y1:  # most of a session: at the bed's level, or ducked under a line
            out[a - start: b - start] = y0
        else:
            at = np.arange(a, b, dtype=np.float64)
            out[a - start: b - start] = y0 + (y1 - y0) * (at - x0) / (x1 - x0)
    if envelope_ and start <= envelope_[-1][0] < end:
        out[envelope_[-1][0] - start] = envelope_[-1][1]
    return out


@dataclass(frozen=True)
class Plan:
    """A bed as a session plays it: what it is, at what gain, and its envelope."""

    names: tuple[str, ...]
    ducking: Ducking
    gain: float  # dB applied to the bed before its envelope
    envelope: Envelope
    crossfade: float = 0.0  # as the bed's

    def to_json(self) -> dict[str, Any]:
        """Return the timed script's `music` object."""
        from pilates_audio.timing.script import seconds

        return {
            "files": list(self.names),
            "level": self.ducking.level,
            "gain": round(self.gain, 2),
            "duck": self.ducking.duck,
            "attack": self.ducking.attack,
            "release": self.ducking.release,
            "fade": self.ducking.fade,
            "crossfade": self.crossfade,
            # [seconds, gain factor]: the bed's gain is this factor of `gain`, linear between points.
            "envelope": [[seconds(at), value] for at, value in self.envelope],
        }


def base_gain(bed: Bed, ducking: Ducking, target: float) -> float:
    """Return the gain (dB) that puts a bed `level` LU under the speech, on its own gated loudness.

    The speech is levelled onto the target as it is without a bed, and the bed is set
    under it: the whole mix may measure under the target where pauses are many, and is
    left there, so the speech sounds as loud with a bed as without one.
    """
    from pilates_audio.sound import levelling

    return levelling.speech_level(target) + ducking.level - bed.loudness
