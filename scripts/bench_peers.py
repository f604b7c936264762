"""The peers a render is measured against, on the same script and settings.

bound: synthesize each distinct line once, join all samples once, encode once.
naive: glue pydub segments with +=, then one export.
mix: the speech joined as bound does, then one ffmpeg pass that decodes the
  routine's music, loops it, sets its level, ducks it under the speech (a
  sidechain compressor: how ffmpeg alone ducks), fades it, mixes and encodes.
All speak, level and encode as a render does (same voice, gains, bitrate and
LAME quality); only the way the session is put together differs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pilates_audio import render, tools  # noqa: E402
from pilates_audio.files import cache_dir  # noqa: E402
from pilates_audio.format import routine  # noqa: E402
from pilates_audio.sound import levelling, mp3  # noqa: E402
from pilates_audio.sound.sounds import Sounds  # noqa: E402
from pilates_audio.timing import SAMPLE_RATE  # noqa: E402


def planned(path: str):
    loaded = routine.load(Path(path))
    pacing, _ = render.effective_pacing(loaded, {})
    voices = render.voices_for(pacing)
    script, _ = render.exact_script(loaded, pacing, voices)
    sounds = Sounds(voices, cache=cache_dir())
    gains = levelling.level(script, sounds)
    return script, {key: sounds.levelled(key, gain) for key, gain in gains.items()}


def bound(path: str, out: str) -> None:
    script, sounds = planned(path)
    samples = b"".join(bytes(c.length * 2) if c.kind == "pause" else sounds[(c.kind, c.text)] for c in script.cues)
    subprocess.run([tools.ffmpeg(), "-v", "error", "-y", "-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1",
                    "-i", "pipe:0", "-c:a", "libmp3lame", "-b:a", "64k",
                    "-compression_level", str(mp3.QUALITY), out], input=samples, check=True)


def naive(path: str, out: str) -> None:
    script, sounds = planned(path)
    AudioSegment = tools.pydub().AudioSegment
    session = AudioSegment.empty()
    for cue in script.cues:
        if cue.kind == "pause":
            session += AudioSegment.silent(duration=cue.length * 1000 / SAMPLE_RATE, frame_rate=SAMPLE_RATE)
        else:
            session += AudioSegment(sounds[(cue.kind, cue.text)], sample_width=2, frame_rate=SAMPLE_RATE, channels=1)
    session.export(out, format="mp3", bitrate="64k")


def mix(path: str, out: str) -> None:
    from pilates_audio.sound import beds
    from pilates_audio.sound.beds import music

    loaded = routine.load(Path(path))
    script, sounds = planned(path)
    samples = b"".join(bytes(c.length * 2) if c.kind == "pause" else sounds[(c.kind, c.text)] for c in script.cues)
    bed = music.Music(loaded.music)
    gain = beds.base_gain(bed, beds.Ducking(), levelling.DEFAULT_LOUDNESS)
    seconds = script.duration / SAMPLE_RATE
    graph = (f"[1:a]aformat=sample_rates={SAMPLE_RATE}:channel_layouts=mono,volume={gain:.2f}dB[m];"
             "[0:a]asplit=2[s][k];"
             "[m][k]sidechaincompress=threshold=0.02:ratio=8:attack=20:release=600[d];"
             f"[s][d]amix=inputs=2:normalize=0:duration=first,afade=t=in:d=3,afade=t=out:st={seconds - 3:.3f}:d=3[o]")
    subprocess.run([tools.ffmpeg(), "-v", "error", "-y", "-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1",
                    "-i", "pipe:0", "-stream_loop", "-1", "-i", str(loaded.music[0].path),
                    "-filter_complex", graph, "-map", "[o]", "-c:a", "libmp3lame", "-b:a", "64k",
                    "-compression_level", str(mp3.QUALITY), out], input=samples, check=True)


if __name__ == "__main__":
    {"bound": bound, "naive": naive, "mix": mix}[sys.argv[1]](sys.argv[2], sys.argv[3])
