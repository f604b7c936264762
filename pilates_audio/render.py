"""Render routines into sessions: plan every session first, then write each one."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from pilates_audio import files, speech, timing, tools
from pilates_audio.errors import InputError
from pilates_audio.files import atomic_outputs, cache_dir
from pilates_audio.format import Routine, Track, format_clock, localized
from pilates_audio.format.tracks import problem
from pilates_audio.publish import COVERS, export, tracks
from pilates_audio.settings import Layer, Pacing, parse_value, resolve
from pilates_audio.sound import mp3
from pilates_audio.timing import Script

if TYPE_CHECKING:
    from pilates_audio.sound import beds

# The rest of sound (numpy, pydub) and the cache's bookkeeping are imported where a session is
# written or placed, so that planning (`check`, `script`) starts without them.

OUTPUTS = (".mp3", *export.SIDECARS)  # what render writes for each session
SIDECAR_NAMES = ", ".join(export.SIDECARS)  # named in messages: ".json, .vtt, .chapters.json"
Progress = Callable[[str, int, int], None]  # (stage, done, total)
ENGINE_VARIABLE = "PILATES_AUDIO_ENGINE"  # the engine when no flag, pacing file or routine names one
MAX_LENGTH = 4 * 3600.0  # seconds: longer sessions are refused unless --max-length allows them
SPLIT_SAMPLE_EXACT = ("--split cuts a session on the MP3 frames it is built of, which --sample-exact does not keep; "
                      "leave out one of them")
SPLIT_OFF_GRID = ("--split cuts a session on the MP3 frames it is built of, which need the lameenc package; "
                  "install it (pip install lameenc)")


@dataclass(frozen=True)
class Session:
    """A rendered session: where its files are and how long it lasts."""

    mp3: Path
    script: Path
    duration: float
    warnings: tuple[str, ...]
    fit: timing.Fit | None = None
    playlist: Path | None = None  # when split: the playlist of its tracks, in their folder
    tracks: tuple[Path, ...] = ()  # when split: the tracks, in order


NAME_MAX = 255  # bytes in one file name on the file systems sessions are written to


def check_name(routine: Routine, name: str | None = None) -> None:
    """Refuse a routine whose name is too long for the files a session is written to (it would fail at the end)."""
    longest = (name or routine.name) + max(OUTPUTS + COVERS, key=len)
    if len(os.fsencode(longest)) > NAME_MAX:
        raise InputError(f"{routine.path}: its name is too long for the files a session is written to "
                         f"({len(os.fsencode(longest))} bytes as {max(OUTPUTS + COVERS, key=len)}; the limit is "
                         f"{NAME_MAX}); rename the routine file")


def check_outputs(routines: list[Routine], out_dir: Path, pacing_file: Path | None = None,
                  names: list[str] | None = None, split: bool = False) -> None:
    """Refuse, before any work, a render whose files would replace an input or one another.

    Inputs are every routine's file, the blocks each includes, its cover, its music and
    the pacing file; outputs are every session's files (and the covers a render removes). Two
    sessions must not write one file (`a.yaml` and `a.chapters.yaml` both write
    `a.chapters.json`); a name too long, or a folder where a file goes, would fail only
    at the end; the output folder must be one that can be made. `names`, one for each
    routine, are the sessions' names where they are not the routines' own; `split`, whether
    each writes a folder of tracks too.
    """
    def real(path: Path) -> str:
        return os.path.realpath(path)

    inputs: dict[str, tuple[str, Path]] = {}
    names = names if names is not None else [routine.name for routine in routines]
    for routine, name in zip(routines, names):
        check_name(routine, name)
        for what, source in [("the routine", Path(routine.path)), *(("the block", path) for path in routine.includes),
                             *([("the cover", routine.cover)] if routine.cover else []),
                             *(("the music", track.path) for track in routine.music),
                             *([("the pacing file", pacing_file)] if pacing_file is not None else [])]:
            inputs.setdefault(real(source), (what, source))
    _check_folder(out_dir)
    written: dict[str, tuple[Routine, str]] = {}
    for routine, name in zip(routines, names):
        for suffix in OUTPUTS + COVERS:  # a cover of another type is removed: never one of these either
            output = out_dir / f"{name}{suffix}"
            if real(output) in inputs:
                what, source = inputs[real(output)]
                raise InputError(f"{routine.path}: rendering would write its {suffix} over {what} {source}; "
                                 "choose another output folder with -o, or rename the file")
            other, other_name = written.get(real(output), (None, ""))
            if other is not None and (other is not routine or other_name != name):
                both = (f"would both be written as {out_dir / name}.mp3 (and its {SIDECAR_NAMES})"
                        if other_name == name else f"would both write {output}")
                raise InputError(f"{other.path} and {routine.path} {both}; render them into different folders with "
                                 "-o, or rename one")
            written[real(output)] = (routine, name)
            if output.is_dir():
                raise InputError(f"{output} is a folder, where {routine.path} writes its {suffix}; move it away or "
                                 "choose another output folder with -o")
        home = tracks.folder(out_dir, name)
        if split and home.exists() and not home.is_dir():
            raise InputError(f"{home} is not a folder, where {routine.path} writes its tracks; move it away or "
                             "choose another output folder with -o")


def music_tracks(paths: tuple[Path, ...]) -> tuple[Track, ...]:
    """Return music files given on the command line, refusing one that cannot be a file to play."""
    found = []
    for path in paths:
        track = Track(path, str(path))
        reason = problem(path)
        if reason:
            raise track.refuse(reason)
        found.append(track)
    return tuple(found)


def _check_folder(folder: Path) -> None:
    """Refuse an output folder that cannot be made or written in, before any work."""
    existing = files.nearest_existing(folder)
    if existing.exists() and not existing.is_dir():
        raise InputError(f"{existing} is not a folder, so {folder} cannot be made; choose another output folder "
                         "with -o")
    if existing.exists() and not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{existing} cannot be written in; choose another output folder with -o")


def cover_output(routine: Routine) -> str | None:
    """Return the suffix of the cover image written beside a session (".cover.png"), if the routine has one."""
    return f".cover{routine.cover.suffix.lower()}" if routine.cover is not None else None


def effective_pacing(routine: Routine | None, flags: dict, pacing_file: Layer | None = None,
                     given_by: str = "flag") -> tuple[Pacing, dict[str, str]]:
    """Combine settings given (as flags, or in the studio), a pacing file, the routine's pacing, its preset, defaults."""
    layers = [Layer(given_by, {k: v for k, v in flags.items() if v is not None})]
    if pacing_file is not None:
        layers.append(pacing_file)
    if routine is not None:
        layers.append(routine.pacing_layer)
    engine = os.environ.get(ENGINE_VARIABLE)
    if engine:
        try:
            layers.append(Layer(f"environment {ENGINE_VARIABLE}",
                                           {"engine": parse_value("engine", engine)}))
        except ValueError as exc:
            raise InputError(f"{ENGINE_VARIABLE}={engine}: {exc}") from None
    return resolve(layers)


def estimated_script(routine: Routine, pacing: Pacing, target: timing.Target | float | None = None
                     ) -> tuple[Script, timing.Fit | None]:
    """Plan a session with estimated speech lengths: instant, no synthesis."""
    notes = _notes(routine, pacing)
    pacing, estimate = _estimator(pacing)
    fitted = timing.fit.fit(routine, pacing, target, estimate) if target is not None else None
    if fitted is not None:
        routine, pacing = fitted.routine, fitted.pacing
    return _noted(timing.plan(routine, pacing, estimate), notes), fitted


def _notes(routine: Routine, pacing: Pacing) -> tuple[str, ...]:
    """Return what to say about a session before its planning's warnings: its voice, then lines in another language."""
    return speech.voice_notes(pacing.engine, pacing.voice, pacing.language) + localized.mismatched(
        routine, pacing.language)


def _noted(script: Script, notes: tuple[str, ...]) -> Script:
    """Return the script with notes about its voice first among its warnings."""
    return replace(script, warnings=notes + script.warnings) if notes else script


def _estimator(pacing: Pacing) -> tuple[Pacing, Callable[[str], int]]:
    """Return the pacing naming the engine that will speak, and that engine's estimate of a line's length."""
    engine = speech.choose(pacing.engine, pacing.voice, pacing.language)
    engine.resolve(pacing.voice, pacing.language)  # an unknown voice is named even where nothing is spoken
    pacing = replace(pacing, engine=engine.name)  # the script says which engine speaks
    return pacing, lambda text: engine.estimate(text, pacing.rate)


def reach(routine: Routine, pacing: Pacing, keep_breath: bool = False) -> tuple[float, float]:
    """Return the shortest and longest `--length` can make of a routine, on estimates."""
    pacing, estimate = _estimator(pacing)
    return timing.fit.reach(routine, pacing, estimate, keep_breath, cap=2 * MAX_LENGTH)


def planned(routine: Routine, pacing: Pacing, target: timing.Target | float | None = None, max_length: float = MAX_LENGTH
            ) -> tuple[Script, timing.Fit | None]:
    """Plan a session on estimates, refusing one longer than `max_length` seconds before any work."""
    def too_long(what: str, seconds: float) -> InputError:
        hours = max(1, math.ceil(seconds / 3600))
        return InputError(f"{routine.path}: {what} {format_clock(seconds)}, longer than the {format_clock(max_length)} "
                          f"limit; pass --max-length {hours}h to allow it")

    goal = timing.fit.as_target(target)
    if goal is not None and goal.seconds > max_length:
        raise too_long("--length asks for", goal.seconds)
    if target is None:
        # A bound from the counts alone, so a million reps are refused without being laid out.
        shortest = timing.minimum_seconds(routine, pacing)
        if shortest > max_length:
            raise too_long("the session would last at least", shortest)
    plan, fitted = estimated_script(routine, pacing, goal)
    if plan.duration / timing.SAMPLE_RATE > max_length:
        raise too_long("the session would last about", plan.duration / timing.SAMPLE_RATE)
    return plan, fitted


def exact_script(routine: Routine, pacing: Pacing, voices: speech.Speech,
                 progress: Callable[[int, int], None] | None = None, target: timing.Target | float | None = None,
                 ready: Callable[[str], None] | None = None) -> tuple[Script, timing.Fit | None]:
    """Synthesize (or take from the cache) every line, then plan with exact lengths.

    With a target length, fit on estimates first to know which lines are needed, then
    fit the breath again on the exact lengths.
    """
    fitted = None
    notes = _notes(routine, pacing)
    pacing = replace(pacing, engine=voices.engine.name)  # the script says which engine speaks
    chosen, chosen_pacing = routine, pacing
    if target is not None:
        fitted = timing.fit.fit(routine, pacing, target, voices.estimate)
        chosen, chosen_pacing = fitted.routine, fitted.pacing
    elif (cached := timing.plan_if_known(routine, pacing, voices.cached_length)) is not None:
        return _noted(cached, notes), None  # every line it says is in the cache (a re-render after a new pacing)
    voices.ensure(timing.candidate_lines(chosen, chosen_pacing), progress, ready)
    if fitted is not None:
        fitted = timing.fit.fit(routine, pacing, target, voices.length, fill=fitted.fill)
        chosen, chosen_pacing = fitted.routine, fitted.pacing
    return _noted(timing.plan(chosen, chosen_pacing, voices.length), notes), fitted


def voices_for(pacing: Pacing) -> speech.Speech:
    """Return the clips of a session's engine, voice and rate."""
    from pilates_audio import cache

    cache.check()
    return speech.Speech(pacing.voice, pacing.rate, engine=pacing.engine, language=pacing.language)


def placed(script: Script, bitrate: int = mp3.DEFAULT_BITRATE, sample_exact: bool = False) -> Script:
    """Return the script as a render places it: on the MP3 frame grid, unless encoded in one pass."""
    from pilates_audio.sound import assemblers
    from pilates_audio.sound.pieces import layout

    return layout(script)[0] if assemblers.on_grid(bitrate, sample_exact) else script


def render(routine: Routine, pacing: Pacing, out_dir: Path, bitrate: int = mp3.DEFAULT_BITRATE,
           progress: Progress | None = None, target: timing.Target | float | None = None,
           loudness: float | None = None, sample_exact: bool = False, name: str | None = None,
           split: bool = False) -> Session:
    """Render one routine to `out_dir/<name>.mp3` and `<name>.json`, all or nothing.

    By default the MP3 is built from pieces encoded once and kept in the cache, each
    sound within half a frame (13 ms) of its planned time, and the script written
    beside it says where each one is. `sample_exact` encodes the whole session in one
    pass instead, every sound on its planned sample. `loudness` is in LUFS (default:
    `levelling.DEFAULT_LOUDNESS`). `name` names the session's files (default: the routine's name).
    `split` also writes one MP3 per chapter and their playlist, in `<name>.tracks/`; without
    it, the tracks of an earlier split go (see `tracks`).
    """
    if split:
        _check_split(bitrate, sample_exact)
    from pilates_audio import cache

    with cache.rendering():  # entries it uses are not pruned by another render of this process meanwhile
        session = _write(routine, pacing, out_dir, bitrate, progress, target, loudness, sample_exact,
                         name or routine.name, split)
    cache.after_render(cache_dir())
    return session


def _bed(routine: Routine) -> beds.Bed | None:
    """Return the music a routine plays under its voice, if any (the beds are loaded only then)."""
    if not routine.music:
        return None
    from pilates_audio.sound.beds import music

    return music.Music(routine.music)


def _write(routine: Routine, pacing: Pacing, out_dir: Path, bitrate: int = mp3.DEFAULT_BITRATE,
           progress: Progress | None = None, target: timing.Target | float | None = None,
           loudness: float | None = None, sample_exact: bool = False, name: str = "", split: bool = False) -> Session:
    """Plan, speak, level and write one session (see `render`)."""
    from pilates_audio.sound import assemblers, levelling
    from pilates_audio import cache

    from pilates_audio.sound.sounds import Sounds

    loudness = levelling.DEFAULT_LOUDNESS if loudness is None else loudness
    name = name or routine.name
    cache.check()  # a cache that is a file, or a bad PILATES_AUDIO_CACHE_MAX, is said before any work
    if not assemblers.on_grid(bitrate, sample_exact) or routine.music:
        tools.working_ffmpeg()  # fail before any speech work if there is no ffmpeg that works
    # What interrupted runs left (kill -9, a power cut) goes before this run adds its own.
    files.sweep(out_dir)
    files.sweep_cache(cache_dir())
    voices = voices_for(pacing)
    bed = _bed(routine)  # a bad music file is refused before speaking
    sounds = Sounds(voices, cache=cache_dir())  # with music or without: the speech is the same
    script, fitted = exact_script(routine, pacing, voices,
                                  (lambda done, total: progress("speaking", done, total)) if progress else None,
                                  target, lambda text: sounds.prepare(text, loudness))
    # The speech is levelled as it is without music; the music is set under it and never moves it.
    gains = levelling.level(script, sounds, loudness)
    # On the frame grid, with music as without, so the session keeps its times.
    bare = assemblers.pick(script, sounds, gains, bitrate, sample_exact)
    assembler: assemblers.Assembler = bare
    if bed is not None:
        from pilates_audio.sound import beds

        ducking = beds.Ducking.of(pacing)
        plan = beds.Plan(bed.names, ducking, beds.base_gain(bed, ducking, loudness),
                         beds.envelope(bare.script.cues, bare.script.duration, ducking), bed.crossfade)
        assembler = bare.under(bed, plan)
    script = assembler.script
    paths = {suffix: out_dir / f"{name}{suffix}" for suffix in OUTPUTS}
    cover = export.cover_bytes(routine.cover) if routine.cover is not None else None
    cover_suffix = cover_output(routine)
    if cover_suffix is not None:
        paths[cover_suffix] = out_dir / f"{name}{cover_suffix}"
    earlier, stale = _stale(out_dir, name, cover_suffix, split)
    out_dir.mkdir(parents=True, exist_ok=True)
    encoding = (lambda done, total: progress("encoding", done, total)) if progress else None

    # Every file is finished under a temporary name and then all are moved into place
    # together, so an interrupted or failed run never leaves half a session behind.
    tagged = routine if fitted is None else fitted.routine
    split_into: tuple[Path, ...] = ()
    with atomic_outputs(list(paths.values()), remove=stale) as written:
        temps = dict(zip(paths, written))
        assembler.write(temps[".mp3"], encoding)
        if split:
            split_into = _write_tracks(written, temps[".mp3"], script, tagged, cover, tracks.folder(out_dir, name),
                                       bitrate, earlier)
        export.tag_mp3(temps[".mp3"], script, tagged, cover=cover)
        if cover_suffix is not None:
            export.write_file(temps[cover_suffix], cover)
        export.write_sidecars(temps, script)
    return Session(paths[".mp3"], paths[".json"], script.duration / timing.SAMPLE_RATE, script.warnings, fitted,
                   split_into[-1] if split_into else None, split_into[:-1])


def _stale(out_dir: Path, name: str, cover_suffix: str | None, split: bool) -> tuple[list[Path], list[Path]]:
    """Return an earlier split's files, and the files of an older set that go as the new one replaces it."""
    # A cover the routine no longer has (or had as another type) goes with the set it belonged to.
    stale = [out_dir / f"{name}{suffix}" for suffix in COVERS if suffix != cover_suffix]
    earlier = tracks.previous(out_dir, name)
    if not split:  # tracks of an earlier split would no longer match: they go, and their folder if left empty
        home = tracks.folder(out_dir, name)
        stale += [*earlier, *([home] if home.is_dir() else [])]
    return earlier, stale


def _check_split(bitrate: int, sample_exact: bool) -> None:
    """Refuse a split of a session that is not built on the frame grid, before any work."""
    from pilates_audio.sound import assemblers

    if sample_exact:
        raise InputError(SPLIT_SAMPLE_EXACT)
    if not assemblers.on_grid(bitrate):
        raise InputError(SPLIT_OFF_GRID)


def _write_tracks(staged: files.Staged, session: Path, script: Script, routine: Routine, cover: bytes | None,
                  home: Path, bitrate: int, earlier: list[Path]) -> tuple[Path, ...]:
    """Cut the session's MP3 into one track per chapter in `home` and list them, among the outputs replaced together.

    Return the paths the tracks and then their playlist are written to.
    """
    from pilates_audio.sound import cuts

    made = cuts.plan(cuts.standalone(session, bitrate), [chapter.start for chapter in script.chapters])
    found = tracks.tracks(script, [(cut.chapter, cut.count * mp3.FRAME) for cut in made])
    temps = [staged.add(home / track.file) for track in found]
    cuts.write(session, made, temps, bitrate)
    for temp, track in zip(temps, found):
        tracks.tag(temp, track, len(found), routine, script, cover)
    listing = home / tracks.playlist_name(home)
    export.write_file(staged.add(listing), tracks.playlist_m3u8(found))
    for path in earlier:  # an earlier split's tracks that this one does not write again
        if path not in staged.paths:
            staged.drop(path)
    return (*(home / track.file for track in found), listing)
