"""Render routines into sessions: plan every session first, then write each one."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pilates_audio import audio, export, fit as fit_mod, pacing as pacing_mod, script as script_mod, speech, tools
from pilates_audio.files import atomic_output
from pilates_audio.pacing import Pacing
from pilates_audio.routine import Routine
from pilates_audio.script import Script

OUTPUTS = (".mp3", ".json", ".vtt", ".chapters.json")  # what render writes for each session
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Session:
    """A rendered session: where its files are and how long it lasts."""

    mp3: Path
    script: Path
    duration: float
    warnings: tuple[str, ...]
    fit: fit_mod.Fit | None = None


def effective_pacing(routine: Routine | None, flags: dict, pacing_file: pacing_mod.Layer | None = None
                     ) -> tuple[Pacing, dict[str, str]]:
    """Combine flags, a pacing file, the routine's pacing block, its preset and the defaults."""
    layers = [pacing_mod.Layer("flag", {k: v for k, v in flags.items() if v is not None})]
    if pacing_file is not None:
        layers.append(pacing_file)
    if routine is not None:
        layers.append(routine.pacing_layer)
    return pacing_mod.resolve(layers)


def estimated_script(routine: Routine, pacing: Pacing, target: float | None = None
                     ) -> tuple[Script, fit_mod.Fit | None]:
    """Plan a session with estimated speech lengths: instant, no synthesis."""
    estimate = lambda text: speech.estimate(text, pacing.rate)  # noqa: E731
    fitted = fit_mod.fit(routine, pacing, target, estimate) if target is not None else None
    if fitted is not None:
        routine, pacing = fitted.routine, fitted.pacing
    return script_mod.plan(routine, pacing, estimate), fitted


def exact_script(routine: Routine, pacing: Pacing, voices: speech.Speech,
                 progress: Callable[[int, int], None] | None = None, target: float | None = None
                 ) -> tuple[Script, fit_mod.Fit | None]:
    """Synthesize (or take from the cache) every line, then plan with exact lengths.

    With a target length, fit on estimates first to know which lines are needed, then
    fit the breath again on the exact lengths.
    """
    fitted = None
    chosen, chosen_pacing = routine, pacing
    if target is not None:
        fitted = fit_mod.fit(routine, pacing, target, lambda text: speech.estimate(text, pacing.rate))
        chosen, chosen_pacing = fitted.routine, fitted.pacing
    voices.ensure(script_mod.candidate_lines(chosen, chosen_pacing), progress)
    if fitted is not None:
        fitted = fit_mod.fit(routine, pacing, target, voices.length, fill=fitted.fill)
        chosen, chosen_pacing = fitted.routine, fitted.pacing
    return script_mod.plan(chosen, chosen_pacing, voices.length), fitted


def render(routine: Routine, pacing: Pacing, out_dir: Path, bitrate: int = audio.DEFAULT_BITRATE,
           progress: Progress | None = None, target: float | None = None,
           loudness: float = audio.DEFAULT_LOUDNESS) -> Session:
    """Render one routine to `out_dir/<name>.mp3` and `<name>.json`, all or nothing."""
    tools.ffmpeg()  # fail before any speech work if there is no ffmpeg to encode with
    voices = speech.Speech(pacing.voice, pacing.rate)
    script, fitted = exact_script(routine, pacing, voices,
                                  (lambda done, total: progress("speaking", done, total)) if progress else None,
                                  target)
    paths = {suffix: out_dir / f"{routine.name}{suffix}" for suffix in OUTPUTS}
    out_dir.mkdir(parents=True, exist_ok=True)
    total = script.duration
    encoded = 0

    def step(n: int) -> None:
        nonlocal encoded
        encoded += n
        if progress:
            progress("encoding", encoded, total)

    # Every file is finished under a temporary name and only then moved into place,
    # so an interrupted or failed run never leaves half a session behind.
    with ExitStack() as stack:
        temps = {suffix: stack.enter_context(atomic_output(path)) for suffix, path in paths.items()}
        sounds = audio.level(script, voices.clip, loudness)
        audio.encode(script, sounds, temps[".mp3"], bitrate=bitrate, progress=step)
        export.tag_mp3(temps[".mp3"], script, routine if fitted is None else fitted.routine)
        export.write_file(temps[".json"], export.script_json(script))
        export.write_file(temps[".vtt"], export.transcript_vtt(script))
        export.write_file(temps[".chapters.json"], export.chapters_json(script))
    return Session(paths[".mp3"], paths[".json"], script.duration / script_mod.SAMPLE_RATE, script.warnings, fitted)
