"""The starter `new` writes, pinned word for word in every language, so its template can change shape safely."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilates_audio import languages
from pilates_audio.format import starter

GOLDEN = Path(__file__).parent / "starters"
# Every phrasebook, and a region of one: the starter names the tag as given.
TAGS = [*languages.shipped(), "de-AT"]


@pytest.mark.parametrize("tag", TAGS)
def test_the_starter_is_word_for_word_as_pinned(request, tag):
    text = starter.starter("Mat Flow", Path("mat-flow.yaml"), tag)
    schema_line, rest = text.split("\n", 1)  # where the schema is depends on the checkout
    assert schema_line.startswith("# yaml-language-server: $schema=")
    golden = GOLDEN / f"{tag}.yaml"
    if request.config.getoption("--update-golden"):
        golden.write_text(rest, encoding="utf-8")
    assert rest == golden.read_text(encoding="utf-8"), f"the starter in {tag} changed"
