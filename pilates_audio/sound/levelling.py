"""Levelling a session: one gain for each line and tone, so its speech lands on the loudness target."""

from __future__ import annotations

import operator
from functools import partial

from pilates_audio.speech import gating
from pilates_audio.sound.sounds import GAIN_STEP, LIKELY_CORRECTION, Key, Sounds, round_gain, sound_keys, trial_gains
from pilates_audio.timing import Script

DEFAULT_LOUDNESS = -19.0  # LUFS on a mono file: heard as the -16 LUFS podcast norm on two speakers
CODEC_LOSS = 0.4  # LU that MP3 encoding takes from speech, compensated before encoding
LOUDNESS_TOLERANCE = 0.1  # LU either way of the target that counts as on it


def speech_level(target: float) -> float:
    """Return the loudness the speech is levelled to before encoding, so the MP3 measures `target`."""
    # MP3 encoding lowers the measured loudness of this speech by about 0.4 LU (measured
    # here on whole sessions at 64 to 192 kbps), so aim that much higher before encoding.
    return target + CODEC_LOSS


def level(script: Script, sounds: Sounds, target: float = DEFAULT_LOUDNESS) -> dict[Key, float]:
    """Return the gain in dB of every line and tone, so the session's speech lands on `target` LUFS.

    Every line is first brought to the same loudness, so none stands out; then the
    speech's gated loudness is worked out from the lines' stored energy profiles where
    they fall, and one correction, the same for every sound, brings it onto the target.
    A bed under the voice plays no part: it is set under the speech, which is levelled
    as it is without one. Gains move in steps of GAIN_STEP, and a correction already
    used (within the tolerance) is preferred, so re-pacing reuses encoded audio.
    """
    keys = sound_keys(script)
    if not keys:
        return {}
    profiles = {key: sounds.profile(key) for key in keys}
    # Lines are each brought to the target; tones keep their own soft level, moved with the session.
    base = {key: sounds.base_gain(key, target) for key in keys}
    size = script.duration // gating.STEP + max(len(p) for p in profiles.values()) + 1
    places = [(int(round(cue.start / gating.STEP)), (cue.kind, cue.text)) for cue in script.cues if cue.kind != "pause"]

    def session_loudness(weights: dict[Key, float]) -> float:
        # Plain lists, added as numpy adds arrays: each step is its sounds' weighted energies in cue order.
        session = [0.0] * size
        for at, key in places:
            end = at + len(profiles[key])
            weighted = map(partial(operator.mul, weights[key]), profiles[key])
            session[at:end] = map(operator.add, session[at:end], weighted)
        return gating.integrated(session)

    aim = speech_level(target)
    # The limiter takes a little energy from the loudest lines, and more the louder they
    # are: measure the session at two neighbouring corrections and step to the one that
    # lands it on the target (Newton's method; the loss changes smoothly). The first
    # measurement is where corrections usually land, so lines can be measured as they
    # are spoken; a long step is measured again from where it landed.
    correction = LIKELY_CORRECTION
    for _ in range(3):
        trials = {key: trial_gains(base[key], correction) for key in keys}
        kept = sounds.kept([(key, gain) for key, pair in trials.items() for gain in pair])
        low, high = (session_loudness({key: kept[(key, pair[i])] for key, pair in trials.items()}) for i in (0, 1))
        slope = (high - low) / GAIN_STEP
        step = (aim - low) / (slope if 0.2 < slope < 2.0 else 1.0)
        correction = round_gain(correction) + step
        if abs(step) <= 0.5:
            break

    final = _settle(correction, sounds, keys[0], base[keys[0]])
    chosen = {key: round_gain(gain + final) for key, gain in base.items()}
    sounds.mark_used(keys[0], chosen[keys[0]])
    return chosen


def _settle(wanted: float, sounds: Sounds, first: Key, first_base: float) -> float:
    """Return the correction step nearest `wanted`, unless one within the tolerance was used before."""
    # A correction used before has its audio cached: the session's first sound at it says so.
    nearest = round_gain(wanted)
    for offset in (0, -1, 1, -2, 2):
        candidate = round_gain(nearest + offset * GAIN_STEP)
        if abs(candidate - wanted) <= LOUDNESS_TOLERANCE and sounds.was_used(first, round_gain(first_base + candidate)):
            return candidate
    return nearest
