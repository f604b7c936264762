"""Tones: a breath's two notes and a pulse's one, synthesized as long as the script plans them."""

from __future__ import annotations

import array
from functools import lru_cache

from pilates_audio import tools
from pilates_audio.timing import SAMPLE_RATE
from pilates_audio.timing.tones import TONES

TONE_LEVEL = -20.0  # dBFS: heard clearly under speech level, never startling
TONE_FADE = 0.012  # seconds of fade at each note's edges, so notes never click


@lru_cache(maxsize=None)
def tone(name: str) -> bytes:
    """Synthesize a tone (a breath's two notes, a pulse's one) as 44.1 kHz mono 16-bit samples, as long as planned."""
    tools.pydub()  # imported quietly first
    from pydub import generators

    notes = TONES[name].notes
    total = int(round(TONES[name].seconds * SAMPLE_RATE))
    lengths = [total // len(notes)] * (len(notes) - 1)
    lengths.append(total - sum(lengths))
    fade = min(int(TONE_FADE * SAMPLE_RATE), total // (2 * len(notes)))
    data = array.array("h")
    for freq, count in zip(notes, lengths):
        note = generators.Sine(freq, sample_rate=SAMPLE_RATE, bit_depth=16).to_audio_segment(
            duration=count * 1000 / SAMPLE_RATE + 5, volume=TONE_LEVEL
        )
        values = array.array("h", note.get_sample_slice(0, count).raw_data)
        # pydub fades in whole milliseconds and can drop a sample: fade the samples here.
        for i in range(fade):
            values[i] = int(values[i] * i / fade)
            values[count - 1 - i] = int(values[count - 1 - i] * i / fade)
        data.extend(values)
    return data.tobytes()
