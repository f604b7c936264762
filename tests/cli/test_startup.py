"""Start-up: the command line loads only what a command needs, and every help reads as it did."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import click
from conftest import ROOT

from pilates_audio import __version__

# Runs the command line as `python -m pilates_audio` does, then reports its exit status and every module loaded.
LOADED = """
import json, runpy, sys
sys.argv = ["pilates-audio", *sys.argv[1:]]
try:
    runpy.run_module("pilates_audio", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""
# Libraries for sound, speech, the web and clusters: slow to import, and no use to a command that only reads.
HEAVY = {"numpy", "pydub", "onnxruntime", "starlette", "uvicorn", "ray", "mutagen", "lameenc", "segno"}
LAZY = {"xml.etree.ElementTree", "html", "subprocess"}  # standard modules that planning does without
HELP = Path(__file__).parent / "help.txt"  # every command's help, as it is printed 100 columns wide


def _loaded(*args: str) -> tuple[str, set[str]]:
    """Run the command line with `args`; return what it printed and every module it loaded."""
    done = subprocess.run([sys.executable, "-c", LOADED, *args], capture_output=True, text=True, cwd=ROOT,
                          stdin=subprocess.DEVNULL, timeout=300)
    report = json.loads(done.stderr.splitlines()[-1])
    assert report["code"] in (0, None), done.stderr
    return done.stdout, set(report["modules"])


def _packages(modules: set[str]) -> set[str]:
    return {name.partition(".")[0] for name in modules}


def test_version_and_help_load_no_stage_and_no_heavy_library():
    for args, start in ((["--version"], f"pilates-audio {__version__}\n"), (["--help"], "Usage: pilates-audio")):
        printed, modules = _loaded(*args)
        assert printed.startswith(start), args
        assert not _packages(modules) & HEAVY, (args, _packages(modules) & HEAVY)
        assert "pilates_audio.cli" in modules, args
        for stage in ("render", "speech", "sound", "timing", "publish", "web", "studio", "batch", "cache"):
            assert f"pilates_audio.{stage}" not in modules, (args, stage)


def test_check_and_script_load_no_sound_speech_web_or_cluster_library():
    routine = "routines/upper-back-strength.yaml"
    for args in (["check", routine], ["script", routine]):
        printed, modules = _loaded(*args)
        assert printed, args
        # Planning needs the engine's choice and its estimates, never its synthesis nor the meter's numpy.
        assert not _packages(modules) & (HEAVY | {"piper"}), (args, _packages(modules) & (HEAVY | {"piper"}))
        # Nor the worker pool, the cache's bookkeeping, the feed's XML, the page's HTML or the means to run
        # ffmpeg: they load where a render, the feed or the page needs them.
        for stage in ("sound.assemblers", "sound.sounds", "sound.levelling", "speech.levels", "web", "speech.pool",
                      "cache", "cache_runs"):
            assert f"pilates_audio.{stage}" not in modules, (args, stage)
        assert not LAZY & modules, (args, LAZY & modules)


def test_a_re_render_after_a_change_of_pacing_loads_no_numpy_and_no_piper(tmp_path):
    """Every line cached: the session is levelled from the stored profiles in plain Python, spoken by eSpeak NG."""
    routine = tmp_path / "short.yaml"
    routine.write_text("title: Short\nexercises:\n  - name: Roll Down\n    cues: [Curl down slowly.]\n    reps: 3\n",
                       encoding="utf-8")
    first, _ = _loaded("render", str(routine), "-o", str(tmp_path / "out"), "-q", "--inhale", "4.5s")
    again, modules = _loaded("render", str(routine), "-o", str(tmp_path / "out"), "-q", "--inhale", "4.6s")
    assert first.startswith(f"{tmp_path / 'out' / 'short.mp3'}\t") and again.startswith(first.split("\t")[0])
    assert "numpy" not in _packages(modules) and "pilates_audio.speech.levels" not in modules
    assert "pilates_audio.speech.piper_engine" not in modules


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Return every command's words, the groups' too."""
    found = [path]
    for name, command in group.commands.items():
        found += _commands(command, path + (name,)) if isinstance(command, click.Group) else [path + (name,)]
    return found


def test_every_help_is_as_it_was(request):
    from pilates_audio.cli import cli

    printed = []
    for words in _commands(cli):
        done = subprocess.run([sys.executable, "-m", "pilates_audio", *words, "--help"], capture_output=True,
                              text=True, env=dict(os.environ, COLUMNS="100"), cwd=ROOT, stdin=subprocess.DEVNULL,
                              timeout=300)
        assert done.returncode == 0 and done.stderr == "", (words, done.stderr)
        printed.append(f"$ {' '.join(('pilates-audio', *words, '--help'))}\n{done.stdout}")
    text = "".join(printed)
    if request.config.getoption("--update-golden"):
        HELP.write_text(text, encoding="utf-8")
    expected = HELP.read_text(encoding="utf-8")
    assert text == expected, "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                                          str(HELP), "printed now"))
