"""The composer's tests run over the shipped exercise library, or over the folder --library names."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilates_audio.compose.library import Library, load_library
from pilates_audio.compose.model import Role

# The composer needs exercises of every role in several positions; the library shipped before its files are all
# in has two, and every class from it is refused. Below this, the tests that compose classes skip, saying why.
FULL = 30


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--library", type=Path, default=None,
                     help="Compose from the exercise files in this folder instead of the shipped library.")


@pytest.fixture(scope="session")
def library(request: pytest.FixtureRequest) -> Library:
    """Return the library the composer's tests compose from."""
    folder = request.config.getoption("--library")
    found = load_library(folder) if folder is not None else load_library()
    if len(found.moves) < FULL or not all(any(role in move.roles for move in found.moves) for role in Role):
        pytest.skip(f"the exercise library has {len(found.moves)} exercises; composing needs the full library "
                    f"(at least {FULL}, with every role), or --library DIR")
    return found
