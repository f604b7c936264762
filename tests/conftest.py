"""Shared test helpers: a private clip cache, routine files, and running the real CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite golden files from the current output.")
    parser.addoption("--library", type=Path, default=None,
                     help="Compose from the exercise files in this folder instead of the shipped library.")


@pytest.fixture(scope="session")
def library(request: pytest.FixtureRequest):
    """Return the exercise library the composer's tests compose from: the shipped one, or the folder --library names."""
    from pilates_audio.compose.library import load_library

    folder = request.config.getoption("--library")
    return load_library(folder) if folder is not None else load_library()


@pytest.fixture(scope="session", autouse=True)
def clip_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Give the whole run one private clip cache, so tests never touch the user's."""
    path = tmp_path_factory.mktemp("clip-cache")
    os.environ["PILATES_AUDIO_CACHE"] = str(path)
    return path


@pytest.fixture
def write_routine(tmp_path: Path):
    """Write a routine file from YAML text and return its path."""

    def write(text: str, name: str = "routine.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    args: tuple[str, ...] = ()


def run_cli(*args: str | Path, cwd: Path | None = None, env: dict | None = None) -> Result:
    """Run `python -m pilates_audio` as a user would, with no terminal and no input."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    process = subprocess.run(
        [sys.executable, "-m", "pilates_audio", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, timeout=600,
    )
    return Result(process.returncode, process.stdout, process.stderr, tuple(map(str, args)))


def run_here(folder: Path, *args: str) -> Result:
    """Run the command line in this process, in `folder`, as `run_cli` would in a new one."""
    import contextlib
    import io

    from pilates_audio import cli

    out, err = io.StringIO(), io.StringIO()
    before = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.run(list(args))
    finally:
        os.chdir(before)
    return Result(code, out.getvalue(), err.getvalue(), args)


@pytest.fixture(scope="session", autouse=True)
def default_engine():
    """Run the core tests on pyttsx3 (eSpeak NG): fast and what they were measured on.

    The engine tests choose their engine themselves, and cover Piper and `auto`.
    """
    os.environ["PILATES_AUDIO_ENGINE"] = "pyttsx3"
    return "pyttsx3"


class EditorLoader(yaml.SafeLoader):
    """Read YAML as editors do (YAML 1.2): only true and false are yes/no values, so `on:` is a key."""


EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
EditorLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))
