"""Blocks: `include: FILE` puts a file's exercises into a routine; problems name the block's own lines."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import run_here
from streams import lines_of, next_line

from pilates_audio.format import routine

WARM_UP = "- name: Shoulder rolls\n  reps: 4\n- name: Marching\n  hold: 20s\n"
ROUTINE = """\
title: Included
pacing: {inhale: 2s, exhale: 2s, transition: 1s}
sections:
  - name: Warm-up
    exercises:
      - include: blocks/warm-up.yaml
  - name: Main
    exercises:
      - name: Swan
        reps: 3
      - include: blocks/warm-up.yaml
"""


def make(folder: Path, routine_text: str = ROUTINE, block: str = WARM_UP) -> Path:
    (folder / "routines" / "blocks").mkdir(parents=True)
    (folder / "routines" / "blocks" / "warm-up.yaml").write_text(block, encoding="utf-8")
    path = folder / "routines" / "inc.yaml"
    path.write_text(routine_text, encoding="utf-8")
    return path


def test_a_block_puts_its_exercises_where_it_is_included(tmp_path):
    loaded = routine.load(make(tmp_path))
    assert [(e.section, e.name) for e in loaded.exercises] == [
        ("Warm-up", "Shoulder rolls"), ("Warm-up", "Marching"), ("Main", "Swan"),
        ("Main", "Shoulder rolls"), ("Main", "Marching")]
    assert loaded.exercises[1].hold is not None and loaded.exercises[1].hold.amount == 20
    assert loaded.includes == (tmp_path / "routines" / "blocks" / "warm-up.yaml",)


def test_check_accepts_routines_and_block_files(tmp_path):
    make(tmp_path)
    result = run_here(tmp_path, "check", "routines/inc.yaml", "routines/blocks/warm-up.yaml")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("routines/inc.yaml: ok (5 exercises, about ")
    assert lines[1] == "routines/blocks/warm-up.yaml: ok (a block of 2 exercises)"


def test_problems_in_a_block_name_its_path_as_the_user_reaches_it(tmp_path):
    make(tmp_path, block=WARM_UP + "- name: Neck stretch\n  reps: 0\n")
    result = run_here(tmp_path, "check", "routines/inc.yaml")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == ("routines/blocks/warm-up.yaml:6:9: reps must be a whole number, at least 1\n"
                             "1 problem found; nothing was written.\n")


def test_rendering_a_block_says_to_include_it(tmp_path):
    make(tmp_path)
    result = run_here(tmp_path, "render", "routines/blocks/warm-up.yaml", "-o", "out")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == ("routines/blocks/warm-up.yaml:1:1: this is a block of exercises, not a routine; "
                             "include it from a routine (- include: FILE) to render it\n"
                             "1 problem found; nothing was written.\n")
    assert not (tmp_path / "out").exists()


def test_includes_nest_but_not_without_end(tmp_path):
    blocks = tmp_path / "blocks"
    blocks.mkdir()
    for number in range(12):
        (blocks / f"b{number}.yaml").write_text(f"- name: Move {number}\n  reps: 2\n- include: b{number + 1}.yaml\n")
    (blocks / "b12.yaml").write_text("- name: Last move\n  reps: 2\n")
    (tmp_path / "deep.yaml").write_text("title: Deep\nexercises:\n  - include: blocks/b0.yaml\n")
    result = run_here(tmp_path, "check", "deep.yaml")
    assert result.stderr == ("blocks/b9.yaml:3:12: includes are nested more than 10 deep\n"
                             "1 problem found; nothing was written.\n")
    (blocks / "b5.yaml").write_text("- name: Move 5\n  reps: 2\n")  # now five deep
    assert run_here(tmp_path, "check", "deep.yaml").code == 0
    assert [e.name for e in routine.load(tmp_path / "deep.yaml").exercises] == [f"Move {n}" for n in range(6)]


def test_includes_cannot_multiply_without_bound(tmp_path):
    (tmp_path / "hundred.yaml").write_text("- {name: Lift, reps: 1}\n" * 100)
    (tmp_path / "many.yaml").write_text("title: Many\nexercises:\n" + "  - include: hundred.yaml\n" * 60)
    started = time.perf_counter()
    result = run_here(tmp_path, "check", "many.yaml")
    assert time.perf_counter() - started < 5
    assert result.stderr == ("hundred.yaml:1:3: the routine holds more than 5,000 exercises (counting what it "
                             "includes)\n1 problem found; nothing was written.\n")


def test_a_rendered_routine_speaks_the_block_in_place(tmp_path):
    path = make(tmp_path)
    result = run_here(tmp_path, "render", str(path), "-o", "out", "-q")
    assert result.code == 0, result.stderr
    script = json.loads((tmp_path / "out" / "inc.json").read_text())
    chapters = [chapter["title"] for chapter in script["chapters"]]
    assert chapters == ["Introduction", "Warm-up", "Shoulder rolls", "Marching", "Main", "Swan", "Shoulder rolls",
                        "Marching", "Closing"]
    spoken = [cue["text"] for cue in script["cues"] if cue["kind"] == "speech"]
    assert spoken.index("Section one: Warm-up.") < spoken.index("Shoulder rolls.") < spoken.index("Section two: Main.")


def test_watch_rerenders_when_an_included_block_is_saved(tmp_path):
    path = make(tmp_path)
    block = tmp_path / "routines" / "blocks" / "warm-up.yaml"
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "pilates_audio", "render", str(path), "-o", str(out), "--watch", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
    )
    stdout: queue.Queue = queue.Queue()
    threading.Thread(target=lines_of, args=(process.stdout, stdout), daemon=True).start()
    try:
        next_line(stdout)
        before = json.loads((out / "inc.json").read_text())["duration"]
        time.sleep(0.05)
        block.write_text(WARM_UP.replace("hold: 20s", "hold: 30s"))  # held twice: 20 s longer
        next_line(stdout)
        after = json.loads((out / "inc.json").read_text())["duration"]
        assert abs(after - before - 20.0) < 1.5  # "Halfway." now fits in each hold, and frames round
        assert after - before > 19.9
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    assert code == 0


def test_an_include_must_name_a_regular_file(tmp_path):
    (tmp_path / "z.yaml").write_text("title: Z\nexercises:\n  - include: /dev/zero\n")
    result = run_here(tmp_path, "check", "z.yaml")
    assert result.stderr == "z.yaml:3:14: include '/dev/zero' is not a regular file\n1 problem found; nothing was written.\n"


def test_a_routine_with_no_end_is_refused_at_once(tmp_path):
    result = run_here(tmp_path, "check", "/dev/zero")
    assert result.stderr == ("/dev/zero:1:1: is not a regular file (a pipe, a device or a socket); give the path of "
                             "a YAML file\n1 problem found; nothing was written.\n")
