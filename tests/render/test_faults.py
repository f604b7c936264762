"""Faults injected for real: interrupts, full disks, two renders at once, a damaged cache,
a broken ffmpeg and a failing speech engine. Each ends with a clear message, whole files,
a consistent cache and a clean next run."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

import audiocheck
from pilates_audio import cache, speech
from pilates_audio.files import TEMP_PREFIX
from pilates_audio.sound import entries
from pilates_audio.sound.beds import music

FAULTS = str(ROOT / "tests" / "faults")
INTERRUPTED = "interrupted; nothing half-written was left behind\n"
OUTPUTS = ["{}.chapters.json", "{}.json", "{}.mp3", "{}.vtt"]
ESPEAK_DRIFT = 0.15  # seconds: how far respeaking ~25 lines may move a session (about 6 ms a line)


def fresh_routine(folder: Path, exercises: int = 3, name: str = "fault", hold: str | None = None) -> Path:
    """Write a routine whose lines no cache has yet, so its render starts cold."""
    tag = uuid.uuid4().hex[:6]
    lines = ["title: Fault session " + tag, "pacing: {inhale: 1.5s, exhale: 1.5s, transition: 2s}", "exercises:"]
    for number in range(exercises):
        lines += [f"  - name: Move {number} of {tag}", f"    setup: Get ready for move {number} of {tag}.",
                  f"    cues: [Reach long for {tag} {number}., Breathe out for {tag} {number}.]", "    reps: 2"]
        lines += [f"    hold: {hold}"] if hold else []
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def faulty(fault: str) -> dict:
    """Environment for a run with `fault` injected (see tests/faults/sitecustomize.py)."""
    return {"PYTHONPATH": FAULTS, "PILATES_AUDIO_FAULT": fault}


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def assert_cache_whole(cache_dir: Path) -> None:
    """Every cache entry is whole (its checks pass) and no temporary file is left."""
    for path in cache_dir.rglob("*"):
        if path.is_dir() or path.parent.name == "locks" or path.name == ".swept":
            continue
        assert not path.name.startswith(TEMP_PREFIX), f"temporary file left: {path}"
        data = path.read_bytes()
        if path.name in (cache.ABOUT, cache.USAGE):  # which voice a folder holds; the size last counted
            assert isinstance(json.loads(data), dict), path
        elif path.suffix == ".clip":
            assert speech.decode_clip(data) is not None, path
        elif path.suffix == ".pcm":  # decoded music
            assert music._read_entry(path) is not None, path
        elif path.suffix in (".frames", ".cell", ".block", ".levelled"):
            assert entries.decode_piece(data) is not None, path
        elif path.suffix == ".sha256":  # a voice model's digest, remembered
            assert re.fullmatch(rb"[0-9a-f]{64}\n", data), path
        else:
            assert entries.decode_note(data) is not None or data == b"1\n", path


def assert_session_whole(out: Path, name: str) -> dict:
    """The four files are there and agree: the MP3 lasts what its script says."""
    assert listing(out) == [pattern.format(name) for pattern in OUTPUTS]
    data = json.loads((out / f"{name}.json").read_text())
    pcm = audiocheck.load(out / f"{name}.mp3")
    assert abs(len(pcm) / 2 / 44100 - data["duration"]) < 0.002
    vtt = (out / f"{name}.vtt").read_text()
    assert vtt.count(" --> ") == sum(cue["kind"] == "speech" for cue in data["cues"])
    return data


# --- Ctrl-C -------------------------------------------------------------------


@pytest.mark.parametrize("after", [0.4, 1.2, 3.0])
def test_ctrl_c_at_any_moment_exits_130_and_the_next_run_completes(tmp_path, after):
    routine = fresh_routine(tmp_path, exercises=30, hold="40s")  # about 25 minutes
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pilates_audio", "render", str(routine), "-o", str(out), "-q", "--sample-exact"]
    # Its own process group, as in a terminal: Ctrl-C reaches the speech workers and ffmpeg too.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               text=True, start_new_session=True)
    time.sleep(after)
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stdout, stderr) == (130, "", INTERRUPTED)
    assert listing(out) == []
    cache_dir = Path(os.environ["PILATES_AUDIO_CACHE"])
    time.sleep(0.5)  # let the workers finish dying
    assert_cache_whole(cache_dir)
    kept = {path: path.stat().st_ino for path in (cache_dir / "clips").rglob("*.clip")}

    again = run_cli(*command[3:])
    assert again.code == 0, again.stderr
    assert_session_whole(out, "fault")
    # What was cached before the interrupt was used, not made again.
    assert all(path.stat().st_ino == inode for path, inode in kept.items())


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_a_render_as_ctrl_c_does(tmp_path, name):
    number = getattr(signal, name)
    routine = fresh_routine(tmp_path, exercises=30, hold="40s")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pilates_audio", "render", str(routine), "-o", str(out), "-q", "--sample-exact"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               text=True, start_new_session=True)
    time.sleep(1.5)
    os.killpg(process.pid, number)  # as a service manager or a closed terminal does, to the whole group
    stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stdout, stderr) == (128 + number, "", INTERRUPTED)
    assert listing(out) == []
    time.sleep(0.5)  # let the workers finish stopping
    assert_cache_whole(Path(os.environ["PILATES_AUDIO_CACHE"]))
    again = run_cli(*command[3:])
    assert again.code == 0, again.stderr
    assert_session_whole(out, "fault")


def test_temporary_files_of_runs_that_are_gone_are_swept_by_the_next(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id no process has any more
    cache_dir, out = tmp_path / "cache", tmp_path / "out"
    (cache_dir / "clips" / "ab").mkdir(parents=True)
    out.mkdir()
    left = [out / f"{TEMP_PREFIX}{gone.pid}-x1.mp3", cache_dir / "clips" / "ab" / f"{TEMP_PREFIX}{gone.pid}-x2.tmp"]
    alive = [out / f"{TEMP_PREFIX}{os.getpid()}-x3.json"]  # this test's own: a run still going
    old = cache_dir / "clips" / "ab" / f"{TEMP_PREFIX}x4.tmp"  # no owner named, and two days old
    for path in left + alive + [old]:
        path.write_bytes(b"half")
    os.utime(old, (time.time() - 2 * 86400,) * 2)
    result = run_cli("render", fresh_routine(tmp_path), "-o", out, "-q", env={"PILATES_AUDIO_CACHE": str(cache_dir)})
    assert result.code == 0, result.stderr
    assert [path.exists() for path in left + [old]] == [False, False, False]
    assert all(path.exists() for path in alive)


# --- a full disk -------------------------------------------------------------------


def test_a_full_output_folder_is_named_and_nothing_is_left_behind(tmp_path):
    routine = fresh_routine(tmp_path)
    out = tmp_path / "out"
    result = run_cli("render", routine, "-o", out, env=faulty(f"full:{out}:20000"))
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == f"error: no space left on the device holding {out}; free some space and run again\n"
    assert listing(out) == []
    assert_cache_whole(Path(os.environ["PILATES_AUDIO_CACHE"]))
    again = run_cli("render", routine, "-o", out, "-q")
    assert again.code == 0, again.stderr
    assert_session_whole(out, "fault")


def test_a_full_cache_folder_is_named(tmp_path):
    routine = fresh_routine(tmp_path)
    cache_dir, out = tmp_path / "cache", tmp_path / "out"
    env = {"PILATES_AUDIO_CACHE": str(cache_dir)}
    result = run_cli("render", routine, "-o", out, env=env | faulty(f"full:{cache_dir}"))
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr.startswith(f"error: no space left on the device holding {cache_dir}{os.sep}")
    assert result.stderr.endswith("; free some space and run again\n") and result.stderr.count("\n") == 1
    assert listing(out) == []
    assert_cache_whole(cache_dir)
    again = run_cli("render", routine, "-o", out, "-q", env=env)
    assert again.code == 0, again.stderr
    assert_cache_whole(cache_dir)


def test_a_device_too_full_for_the_temporary_file_is_named(tmp_path, monkeypatch):
    """A full device can refuse the new file itself, before a byte is written: the folder is named all the same."""
    import errno

    from pilates_audio import files

    def refuse(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "open", refuse)
    with pytest.raises(files.DiskFull) as caught:
        files.write_atomic(tmp_path / "entry", b"data", sync=False)
    monkeypatch.undo()
    assert str(caught.value) == f"no space left on the device holding {tmp_path}; free some space and run again"
    assert list(tmp_path.iterdir()) == []


def _tmpfs_available() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _tmpfs_available(), reason="needs unshare and a user namespace to mount a small tmpfs")
def test_a_really_full_small_disk(tmp_path):
    """The same on a real 400 kB file system, mounted in a private namespace: the kernel says ENOSPC."""
    routine = fresh_routine(tmp_path, exercises=4)
    out = tmp_path / "small"
    out.mkdir()
    script = ('mount -t tmpfs -o size=400k tmpfs "$1" && shift && "$@"; code=$?; '
              'ls -A "$OUT"; exit $code')
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", str(out), sys.executable, "-m", "pilates_audio",
                             "render", str(routine), "-o", str(out), "--bitrate", "320", "-q"],
                            capture_output=True, text=True, env=dict(os.environ, OUT=str(out)), timeout=300)
    assert result.returncode == 1
    assert result.stderr == f"error: no space left on the device holding {out}; free some space and run again\n"
    assert result.stdout == ""  # `ls -A` of the small disk after the run: nothing left on it


# --- two renders at once -------------------------------------------------------------


def test_two_renders_at_once_both_finish_and_leave_a_whole_session(tmp_path):
    routine = fresh_routine(tmp_path, exercises=6)
    out = tmp_path / "out"
    runs = [subprocess.Popen([sys.executable, "-m", "pilates_audio", "render", str(routine), "-o", str(out), "-q",
                              "--inhale", inhale], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             stdin=subprocess.DEVNULL) for inhale in ("1.5s", "2.5s")]
    results = [(run.wait(timeout=300), run.stdout.read(), run.stderr.read()) for run in runs]
    for code, stdout, stderr in results:
        assert (code, stderr) == (0, "")
        assert stdout.startswith(f"{out / 'fault.mp3'}\t")
    data = assert_session_whole(out, "fault")
    assert data["pacing"]["inhale"] in (1.5, 2.5)
    assert_cache_whole(Path(os.environ["PILATES_AUDIO_CACHE"]))


# --- a damaged cache -------------------------------------------------------------


def _damage(path: Path, how: int) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if how % 3 == 0 else
                     b"\x00garbage" * 8 if how % 3 == 1 else
                     data[:-9] + bytes(9))  # same length, last bytes zeroed


def test_damaged_pieces_and_level_notes_are_remade_and_the_session_is_identical(tmp_path):
    routine = fresh_routine(tmp_path)
    cache_dir = tmp_path / "cache"
    env = {"PILATES_AUDIO_CACHE": str(cache_dir)}
    assert run_cli("render", routine, "-o", tmp_path / "clean", "-q", env=env).code == 0
    damaged = sorted((cache_dir / "pieces").rglob("*.frames")) + [
        path for path in (cache_dir / "levels").rglob("*") if path.is_file() and path.read_bytes() != b"1\n"]
    assert len(damaged) > 10
    for number, path in enumerate(damaged):
        _damage(path, number)
    result = run_cli("render", routine, "-o", tmp_path / "again", "-q", env=env)
    assert result.code == 0, result.stderr
    for pattern in OUTPUTS:
        name = pattern.format("fault")
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name
    assert_cache_whole(cache_dir)


def test_damaged_clips_are_spoken_again_and_the_session_keeps_its_timing(tmp_path):
    routine = fresh_routine(tmp_path)
    cache_dir = tmp_path / "cache"
    env = {"PILATES_AUDIO_CACHE": str(cache_dir)}
    assert run_cli("render", routine, "-o", tmp_path / "clean", "-q", env=env).code == 0
    clips = sorted((cache_dir / "clips").rglob("*.clip"))
    for number, path in enumerate(clips):
        _damage(path, number)
    result = run_cli("render", routine, "-o", tmp_path / "again", "-q", env=env)
    assert result.code == 0, result.stderr
    clean = assert_session_whole(tmp_path / "clean", "fault")
    again = assert_session_whole(tmp_path / "again", "fault")
    assert [cue.get("text") for cue in again["cues"]] == [cue.get("text") for cue in clean["cues"]]
    # eSpeak speaks a line a few milliseconds longer or shorter from one process to the
    # next (two cold renders differ as much), so respoken lines move the session a little.
    assert abs(again["duration"] - clean["duration"]) <= ESPEAK_DRIFT
    assert max(abs(a["start"] - b["start"]) for a, b in zip(again["cues"], clean["cues"])) <= ESPEAK_DRIFT
    assert_cache_whole(cache_dir)
    # The mended cache is used as it is: a third render is the second one, byte for byte.
    assert run_cli("render", routine, "-o", tmp_path / "third", "-q", env=env).code == 0
    for pattern in OUTPUTS:
        name = pattern.format("fault")
        assert (tmp_path / "third" / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


# --- ffmpeg ---------------------------------------------------------------------------


def test_an_ffmpeg_that_fails_is_named_before_any_work(tmp_path):
    broken = tmp_path / "ffmpeg"
    broken.write_text("#!/bin/sh\necho 'cannot load libavcodec' >&2\nexit 3\n")
    broken.chmod(0o755)
    routine = fresh_routine(tmp_path)
    result = run_cli("render", routine, "-o", tmp_path / "out", "--sample-exact",
                     env={"PILATES_AUDIO_FFMPEG": str(broken)})
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (f"error: ffmpeg at {broken} does not work (exit status 3: cannot load libavcodec); "
                             "point PILATES_AUDIO_FFMPEG at a working ffmpeg, or unset it to use the one on PATH, else the bundled "
                             "one\n")
    assert listing(tmp_path / "out") == []


def test_a_broken_ffmpeg_on_path_is_named_with_the_variable_that_chooses_another(tmp_path):
    (tmp_path / "bin").mkdir()
    broken = tmp_path / "bin" / "ffmpeg"
    broken.write_text("#!/bin/sh\necho 'cannot load libavcodec' >&2\nexit 3\n")
    broken.chmod(0o755)
    result = run_cli("render", fresh_routine(tmp_path), "-o", tmp_path / "out", "--sample-exact",
                     env={"PILATES_AUDIO_FFMPEG": "", "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"})
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (f"error: ffmpeg at {broken} does not work (exit status 3: cannot load libavcodec); "
                             "set PILATES_AUDIO_FFMPEG to a working ffmpeg\n")


def test_an_ffmpeg_that_is_not_a_program_is_named(tmp_path):
    broken = tmp_path / "ffmpeg"
    broken.write_bytes(b"\x00\x01 not a program")
    broken.chmod(0o755)
    result = run_cli("render", fresh_routine(tmp_path), "-o", tmp_path / "out", "--sample-exact",
                     env={"PILATES_AUDIO_FFMPEG": str(broken)})
    assert result.code == 1
    assert result.stderr == (f"error: ffmpeg at {broken} could not be run (Exec format error); "
                             "point PILATES_AUDIO_FFMPEG at a working ffmpeg, or unset it to use the one on PATH, else the bundled "
                             "one\n")


# --- the speech engine -------------------------------------------------------------


def test_a_line_the_engine_drops_once_is_retried(tmp_path):
    routine = fresh_routine(tmp_path)
    result = run_cli("render", routine, "-o", tmp_path / "out", "-q", env=faulty("silent-once:Move 1 of"))
    assert result.code == 0, result.stderr
    assert_session_whole(tmp_path / "out", "fault")


def test_a_line_the_engine_never_speaks_is_named(tmp_path):
    routine = fresh_routine(tmp_path)
    tag = routine.read_text().split()[3]
    result = run_cli("render", routine, "-o", tmp_path / "out", "-q", env=faulty("silent:Get ready for move 1"))
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (f'error: the speech engine gave no usable audio for "Get ready for move 1 of {tag}." '
                             "in 3 tries; try rewording the line\n")
    assert listing(tmp_path / "out") == []


def test_a_hung_engine_times_out_and_names_the_line(tmp_path):
    routine = fresh_routine(tmp_path, exercises=1)
    tag = routine.read_text().split()[3]
    started = time.perf_counter()
    result = run_cli("render", routine, "-o", tmp_path / "out", "-q", env=faulty("hang:Reach long;timeout:1.5"))
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (f'error: the speech engine did not finish speaking "Reach long for {tag} 0." '
                             "within 1.5 s, 3 times\n")
    assert time.perf_counter() - started < 30
    assert listing(tmp_path / "out") == []


def test_an_unknown_voice_says_how_to_find_one(tmp_path):
    result = run_cli("render", fresh_routine(tmp_path), "-o", tmp_path / "out", "--voice", "klingon-xx")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == ("error: unknown voice 'klingon-xx'; run `pilates-audio voices` to list "
                             "the voices this machine has\n")
    assert listing(tmp_path / "out") == []


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="tells ended processes by /proc")
def test_what_an_ended_but_unreaped_process_left_is_swept(tmp_path):
    from pilates_audio import files

    child = os.fork()
    if child == 0:
        os._exit(0)  # ends at once; not waited for yet, so it is still listed, as a zombie
    try:
        deadline = time.monotonic() + 10
        while "Z" not in open(f"/proc/{child}/stat").read().rsplit(")", 1)[-1].split()[:1] \
                and time.monotonic() < deadline:
            time.sleep(0.01)
        left = tmp_path / f"{files.TEMP_PREFIX}{child}-abc.mp3"
        left.write_bytes(b"half")
        running = tmp_path / f"{files.TEMP_PREFIX}{os.getpid()}-def.mp3"
        running.write_bytes(b"still being written")
        assert files.sweep(tmp_path) == 1
        assert not left.exists() and running.exists()
    finally:
        os.waitpid(child, 0)
