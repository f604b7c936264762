"""The timed narration script as values: cues, chapters, the sample clock and the script's JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Callable

from pilates_audio.format import format_clock
from pilates_audio.settings import Pacing

SAMPLE_RATE = 44100
SCRIPT_VERSION = 1


LengthOf = Callable[[str], int]  # how many samples it takes to say a line


class CueKind(StrEnum):
    """What a cue is: a spoken line, a pause or a tone (its value is the script's JSON)."""

    SPEECH = "speech"
    PAUSE = "pause"
    TONE = "tone"


class Part(StrEnum):
    """The part of the session a cue belongs to (its value is the script's JSON)."""

    INTRO = "intro"
    SECTION = "section"
    SETUP = "setup"
    TRANSITION = "transition"
    REPS = "reps"
    WORK = "work"
    HOLD = "hold"
    REST = "rest"
    OUTRO = "outro"


def samples(seconds: float) -> int:
    """Convert seconds to a whole number of samples."""
    return int(round(seconds * SAMPLE_RATE))


def seconds(count: int) -> float:
    """Convert samples to seconds, rounded to the millisecond for the script."""
    return round(count / SAMPLE_RATE, 3)


@dataclass(frozen=True)
class Cue:
    """One stretch of the session: a spoken line, a pause or a tone."""

    start: int
    end: int
    kind: CueKind
    part: Part
    exercise: str | None
    side: str | None = None
    text: str | None = None

    @property
    def length(self) -> int:
        return self.end - self.start

    def to_json(self, breath: float) -> dict[str, Any]:
        data: dict[str, Any] = {
            "start": seconds(self.start),
            "end": seconds(self.end),
            "kind": self.kind,
            "part": self.part,
            "exercise": self.exercise,
            "side": self.side,
        }
        if self.kind == CueKind.PAUSE:
            data["breaths"] = round(self.length / SAMPLE_RATE / breath, 3)
        else:
            data["text"] = self.text
        return data


@dataclass(frozen=True)
class Chapter:
    """A named point in the session that players can jump to."""

    start: int
    title: str
    level: int = 0  # 1: an exercise inside a section (a round), listed under the section's chapter


@dataclass(frozen=True)
class Script:
    """The whole timed script of a session: its cues, chapters and warnings."""

    title: str
    pacing: Pacing
    cues: tuple[Cue, ...]
    chapters: tuple[Chapter, ...]
    warnings: tuple[str, ...] = ()
    own_pacing: tuple[tuple[str, Pacing], ...] = ()  # exercises with a pacing of their own, by name
    music: Any = None  # the bed under the voice as rendered (a beds.Plan), if there is one

    @property
    def duration(self) -> int:
        return self.cues[-1].end if self.cues else 0

    @property
    def spoken_lines(self) -> list[str]:
        """Return each distinct spoken line once, in the order first spoken."""
        return list(dict.fromkeys(cue.text for cue in self.cues if cue.kind == CueKind.SPEECH))

    def to_json(self) -> dict[str, Any]:
        own = dict(self.own_pacing)
        data: dict[str, Any] = {
            "version": SCRIPT_VERSION,
            "title": self.title,
            "duration": seconds(self.duration),
            "pacing": self.pacing.to_json(),
        }
        if own:
            # Only what differs from the session's pacing, and the breath it makes.
            session = data["pacing"]
            data["exercise_pacing"] = {name: {key: value for key, value in pacing.to_json().items()
                                              if value != session[key] or key == "breath"}
                                       for name, pacing in own.items()}
        if self.music is not None:
            data["music"] = self.music.to_json()
        data["chapters"] = [{"start": seconds(c.start), "title": c.title} for c in self.chapters]
        data["cues"] = [cue.to_json(own.get(cue.exercise, self.pacing).breath) for cue in self.cues]
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def to_text(self, shortest_pause: float = 0.0) -> str:
        """Return the script as a timeline a person can read, leaving out pauses shorter than `shortest_pause` s."""
        lines = [self.title]
        chapter_starts = {c.start: c.title for c in self.chapters}
        shown: set[int] = set()
        breath = self.pacing.breath
        for cue in self.cues:
            if cue.start in chapter_starts and cue.start not in shown:
                shown.add(cue.start)
                lines.append(f"\n# {chapter_starts[cue.start]}")
            if cue.kind == CueKind.SPEECH:
                text = cue.text
            elif cue.kind == CueKind.TONE:
                text = f"[tone: {cue.text}]"
            else:
                secs = cue.length / SAMPLE_RATE
                if round(secs, 1) < shortest_pause:  # compared as shown: a pause shown as 1.0s is one
                    continue
                text = f"… {secs:.1f}s ({secs / breath:.2f} breaths)"
            part = cue.part + (f" ({cue.side})" if cue.side else "")
            lines.append(f"{format_clock_exact(cue.start)}  {part:<18} {text}")
        lines.append(f"\ntotal {format_clock(self.duration / SAMPLE_RATE)} ({self.duration / SAMPLE_RATE:.1f}s)")
        return "\n".join(lines) + "\n"


def format_clock_exact(count: int) -> str:
    """Write a sample position as mm:ss, truncating so a line never shows a later second."""
    whole = count // SAMPLE_RATE
    return f"{whole // 60:02d}:{whole % 60:02d}"
