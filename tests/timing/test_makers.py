"""The cue makers: a kind of line is one maker in the list, said in the parts it names and nowhere else."""

from __future__ import annotations

from pathlib import Path

from pilates_audio import render
from pilates_audio.format import routine
from pilates_audio.timing import makers
from pilates_audio.timing.makers import Maker
from pilates_audio.timing.placement import Line, Role
from pilates_audio.timing.script import Part, Script

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

# The parts laid out with their makers: the others are lines said one after another.
MADE = {Part.REPS, Part.WORK, Part.HOLD, Part.REST, Part.SETUP, Part.TRANSITION}


def planned(name: str) -> Script:
    path = GOLDEN / name
    loaded = routine.load(path, path.name)
    pacing, _ = render.effective_pacing(loaded, {})
    return render.estimated_script(loaded, pacing)[0]


def test_a_maker_added_to_the_list_is_said_in_every_part_it_names_and_only_there(monkeypatch):
    def quarter(guide, span):
        return [Line(span.length // 4, "Quarter.", Role.CUE)]

    assert "Quarter." not in planned("sides-and-holds.yaml").spoken_lines
    monkeypatch.setattr(makers, "MAKERS", makers.MAKERS + (Maker(frozenset({Part.HOLD}), quarter),))
    plan = planned("sides-and-holds.yaml")
    said = [(cue.part, cue.exercise, cue.side) for cue in plan.cues if cue.text == "Quarter."]
    assert said == [("hold", "Mermaid", "right"), ("hold", "Mermaid", "left"), ("hold", "Swan", None)]


def test_a_maker_taken_from_the_list_is_no_longer_said(monkeypatch):
    assert "Halfway." in planned("countdown-halfway-next.yaml").spoken_lines
    monkeypatch.setattr(makers, "MAKERS", tuple(m for m in makers.MAKERS if m.make is not makers.halfway))
    plan = planned("countdown-halfway-next.yaml")
    assert "Halfway." not in plan.spoken_lines
    assert {"Five.", "Next up: Bridge."} <= set(plan.spoken_lines)  # the other makers still speak


def test_every_maker_serves_parts_laid_out_with_makers():
    for maker in makers.MAKERS:
        assert maker.parts and maker.parts <= MADE, maker.make.__name__
