"""The bytes of a rendered session, pinned: moving code around must not change a single one."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

from conftest import ROOT
from mutagen.id3 import ID3

from pilates_audio import render
from pilates_audio.format import load

ROUTINE = ROOT / "routines" / "upper-back-strength.yaml"
DIGESTS = {
    ".mp3": "ebd5252a0659d48c7e359bdaa4f3512ba2045661bb0c93afbbab3e97c5803171",
    ".json": "3798dfb49c258837b0e23307681f1dc652970b1f81acdf75fe5c052ccd97af19",
    ".vtt": "19c580062c88407a56f07ed3b63d579bd88d74a3bf5eb7b8ec950bb04371f174",
    ".chapters.json": "a6c9dead363c0dbcf126ad868d9b8c52dc786aaaf773d48c867c203204309da4",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def undated(mp3: Path, copy: Path) -> Path:
    """Return a copy of the MP3 without its recording year, which the tags take from today's date."""
    shutil.copyfile(mp3, copy)
    tags = ID3(copy)
    tags.delall("TDRC")
    tags.save(copy, v2_version=3)
    return copy


def test_a_render_with_the_fake_engine_gives_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.delenv(render.ENGINE_VARIABLE, raising=False)
    routine = load(ROUTINE)
    pacing, _ = render.effective_pacing(routine, {})
    session = render.render(routine, replace(pacing, engine="fake"), tmp_path / "out")
    out = session.mp3.parent
    found = {suffix: sha256(out / f"upper-back-strength{suffix}") for suffix in (".json", ".vtt", ".chapters.json")}
    found[".mp3"] = sha256(undated(session.mp3, tmp_path / "undated.mp3"))
    assert found == DIGESTS
