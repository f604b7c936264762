"""The table of keys: the checker, the schema and the format reference all name the keys it holds."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from pilates_audio.format import keys

REFERENCE = (ROOT / "docs" / "routine-format.md").read_text(encoding="utf-8")


def reference_table(heading: str) -> dict[str, str]:
    """Return the key table under a heading of the format reference: each key and its `required` column."""
    section = REFERENCE.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \|", section, re.M)
    assert rows, heading
    return {key: required.strip() for key, required in rows}


@pytest.mark.parametrize("heading, table", [("Top-level keys", keys.ROUTINE), ("Exercise keys", keys.EXERCISE)])
def test_the_reference_tables_list_exactly_the_keys_of_the_table_and_which_are_required(heading, table):
    rows = reference_table(heading)
    assert sorted(rows) == sorted(key.name for key in table)
    assert [name for name, required in rows.items() if required == "yes"] == [key.name for key in table if key.required]


def test_the_reference_names_each_section_and_cue_key():
    sections = REFERENCE.split("| `sections` |", 1)[1].split("\n", 1)[0]
    assert all(f"`{key.name}" in sections for key in keys.SECTION), sections
    cues = REFERENCE.split("**Cues that say when.**", 1)[1].split("\n## ", 1)[0]
    assert all(f"{key.name}: " in cues for key in keys.CUE)


def test_each_place_has_its_keys_once_and_needs_only_keys_beside_them():
    for table in (keys.ROUTINE, keys.SECTION, keys.EXERCISE, keys.CUE):
        names = [key.name for key in table]
        assert len(names) == len(set(names))
        assert all(set(key.needs) <= set(names) for key in table)
        assert any(key.required for key in table)
