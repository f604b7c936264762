"""The ways a session's MP3 is written, one assembler each: from cached pieces or in one pass, with a bed or without."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

from pilates_audio.sound import mp3
from pilates_audio.sound.pieces import Piece, assemble, layout
from pilates_audio.sound.sounds import Key, Sounds
from pilates_audio.timing import Script

# Beds, their mixing and the one-pass encoder are loaded where a session uses them: a session
# without music, on the frame grid (a re-render, most often), needs none of them.
if TYPE_CHECKING:
    from pilates_audio.sound import beds, mixdown

Progress = Callable[[int, int], None]  # (samples done, samples in all)


def on_grid(bitrate: int, sample_exact: bool = False) -> bool:
    """Tell whether a session is built from cached pieces on the frame grid (else encoded in one pass with ffmpeg)."""
    return not sample_exact and bitrate in mp3.BITRATES and mp3.available()


class Assembler(Protocol):
    """One way to write a session's MP3; `script` is the session as that MP3 places its sounds."""

    script: Script

    def write(self, out: Path, progress: Progress | None = None) -> None:
        """Write the session's MP3 at `out`."""


@dataclass(frozen=True)
class Pieces:
    """Sounds on the frame grid, encoded piece by piece and kept in the cache, with silent frames between."""

    script: Script
    pieces: tuple[Piece, ...]
    sounds: Sounds
    gains: dict[Key, float]
    bitrate: int

    def under(self, bed: beds.Bed, plan: beds.Plan) -> Cells:
        """Return the same session over a bed: mixed, and encoded in cells on the same grid."""
        from pilates_audio.sound import mixdown

        script = replace(self.script, music=plan)
        return Cells(script, mixdown.Mixdown(script, self.sounds, self.gains, bed, plan), self.bitrate)

    def write(self, out: Path, progress: Progress | None = None) -> None:
        assemble(self.script, self.pieces, self.sounds, self.gains, out, bitrate=self.bitrate, progress=progress)


@dataclass(frozen=True)
class OnePass:
    """Every sound on its planned sample, the whole session encoded in one ffmpeg pass."""

    script: Script
    sounds: Sounds
    gains: dict[Key, float]
    bitrate: int

    def under(self, bed: beds.Bed, plan: beds.Plan) -> MixedOnePass:
        """Return the same session over a bed, mixed and encoded in one pass."""
        from pilates_audio.sound import mixdown

        script = replace(self.script, music=plan)
        return MixedOnePass(script, mixdown.Mixdown(script, self.sounds, self.gains, bed, plan), self.bitrate)

    def write(self, out: Path, progress: Progress | None = None) -> None:
        from pilates_audio.sound import one_pass

        one_pass.encode(self.script, self.sounds, self.gains, out, bitrate=self.bitrate, progress=progress)
        self.sounds.write_notes()


@dataclass(frozen=True)
class Cells:
    """A session over a bed, on the frame grid: mixed and encoded in cells, kept in the cache."""

    script: Script
    mix: mixdown.Mixdown
    bitrate: int

    def write(self, out: Path, progress: Progress | None = None) -> None:
        from pilates_audio.sound import mixdown

        mixdown.assemble(self.mix, out, self.bitrate, progress)
        self.mix.sounds.write_notes()


@dataclass(frozen=True)
class MixedOnePass:
    """A session over a bed, every sound on its planned sample, mixed and encoded in one pass."""

    script: Script
    mix: mixdown.Mixdown
    bitrate: int

    def write(self, out: Path, progress: Progress | None = None) -> None:
        from pilates_audio.sound import mixdown

        mixdown.encode_whole(self.mix, out, self.bitrate, progress)
        self.mix.sounds.write_notes()


def pick(script: Script, sounds: Sounds, gains: dict[Key, float], bitrate: int,
         sample_exact: bool = False) -> Pieces | OnePass:
    """Return the assembler for a session without a bed (its `under` gives the one with), its sounds placed."""
    if on_grid(bitrate, sample_exact):
        placed, found = layout(script)
        return Pieces(placed, found, sounds, gains, bitrate)
    return OnePass(script, sounds, gains, bitrate)
