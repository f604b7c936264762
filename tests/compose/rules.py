"""Every rule a composed class keeps, checked on its text, its routine and its estimated timed script."""

from __future__ import annotations

import re
from pathlib import Path

from pilates_audio import languages, render
from pilates_audio.compose.composer import Choices, Composed
from pilates_audio.compose.forms import Form, form
from pilates_audio.compose.library import Library, avoided
from pilates_audio.compose.model import Shape
from pilates_audio.compose.order import STOPS
from pilates_audio.format import check_data
from pilates_audio.format.units import parse_duration, parse_range
from pilates_audio.timing import SAMPLE_RATE

SECTIONS = ("centring", "warm_up", "main", "cool_down")


def forms_by_name(library: Library) -> dict[str, Form]:
    """Return every form of every exercise (as written and each variation) by the name a routine gives it."""
    found: dict[str, Form] = {}
    for move in library.moves:
        for way in move.ways():
            candidate = form(move, way)
            assert candidate.name not in found or found[candidate.name].id == move.id, candidate.name
            found.setdefault(candidate.name, candidate)
    return found


def _range(form_: Form, key: str) -> tuple[float, float] | None:
    value = dict(form_.keys).get(key)
    if value is None:
        return None
    if key == "reps":
        low, _, high = str(value).partition("-")
        return float(low), float(high or low)
    span = parse_range(value, zero_allowed=key == "rest")
    if span is None:
        fixed = parse_duration(value, zero_allowed=key == "rest")
        return fixed.amount, fixed.amount
    return span[0].amount, span[1].amount


def check(composed: Composed, choices: Choices, library: Library, preset: str = "standard") -> dict:
    """Assert every rule of a composed class; return what was measured (for the variety figures)."""
    book = languages.phrasebook(languages.resolve(choices.language))
    routine = composed.routine
    # The text is check-clean, and is the routine returned.
    loaded, problems = check_data(composed.text.encode("utf-8"), Path(f"{composed.name}.yaml"))
    assert not problems and loaded is not None, problems
    assert [(e.name, e.reps, e.hold, e.work, e.rest, e.section) for e in loaded.exercises] == \
           [(e.name, e.reps, e.hold, e.work, e.rest, e.section) for e in routine.exercises]
    _check_header(composed, choices, preset)
    assert dict(routine.pacing) == {"preset": preset, "language": choices.language}
    level = book.say(f"level_{choices.level.value}")
    minutes = f"{choices.length / 60:g}"
    areas = [book.say(f"focus_{area.value.replace('-', '_')}") for area in choices.focus]
    listed = areas[0] if len(areas) == 1 else book.say("list_and", items=", ".join(areas[:-1]), last=areas[-1]) \
        if areas else ""
    assert routine.title == (book.say("class_title", level=level, focus=listed, minutes=minutes) if areas else
                             book.say("class_title_balanced", level=level, minutes=minutes))
    assert routine.description == book.say("class_description")
    assert routine.intro.startswith(book.say("class_welcome"))
    left = re.escape(book.say("class_left_out", cautions="XX")).replace("XX", ".+")
    assert bool(re.search(left, routine.intro)) == bool(choices.avoid), routine.intro
    names = [book.say(f"section_{key}") for key in SECTIONS]
    assert list(dict.fromkeys(e.section for e in routine.exercises)) == names
    assert routine.exercises[-1].kind.value == "rest"
    # Fixed doses only: the file plays as planned with a plain render.
    assert not routine.has_range
    for exercise in routine.exercises:
        assert exercise.sides in ((), ("left", "right"), ("right", "left")), exercise.name
    pacing = render.effective_pacing(routine, {})[0]
    script = render.estimated_script(routine, pacing)[0]
    seconds = script.duration / SAMPLE_RATE
    assert abs(seconds - choices.length) <= 0.03 * choices.length, (seconds, choices.length)
    assert abs(seconds - composed.seconds) < 1e-6
    forms = _forms(routine, library, book)
    _check_choices(forms, choices)
    fills = _check_doses(routine, forms)
    _check_order(routine, forms, names)
    main = _check_focus(routine, forms, script, names[2], choices)
    return {"ids": [f.id for f in forms if f is not None], "main": main, "fills": fills}


def _check_header(composed: Composed, choices: Choices, preset: str) -> None:
    header = [line[2:] for line in composed.text.splitlines() if line.startswith("#")]
    command = next(line.strip() for line in header if line.strip().startswith("pilates-audio compose "))
    words = command.split()
    assert words[words.index("--seed") + 1] == str(composed.seed)
    assert words[words.index("--length") + 1] in (f"{choices.length / 60:g}m", f"{int(choices.length // 60)}m"
                                                   f"{choices.length % 60:g}s")
    assert words[words.index("--level") + 1] == choices.level.value
    assert words[words.index("--pace") + 1] == preset
    assert words[words.index("--language") + 1] == choices.language
    for flag, values in (("--focus", [a.value for a in choices.focus]), ("--avoid", list(choices.avoid)),
                         ("--props", [p.value for p in choices.props])):
        assert [words[i + 1] for i, word in enumerate(words) if word == flag] == values, flag


def _forms(routine, library: Library, book) -> list[Form | None]:
    """Return the form each exercise is, None for the closing relaxation the composer adds itself."""
    named = forms_by_name(library)
    found = []
    for exercise in routine.exercises:
        if exercise.name not in named:
            assert exercise is routine.exercises[-1] and exercise.name == book.say("relaxation"), exercise.name
            found.append(None)
        else:
            found.append(named[exercise.name])
    ids = [f.id for f in found if f is not None]
    assert len(ids) == len(set(ids)), "an exercise comes twice"
    return found


def _check_choices(forms: list[Form | None], choices: Choices) -> None:
    cautions = avoided(choices.avoid)
    for found in forms:
        if found is None:
            continue
        way = found.way
        assert way.level.rank <= choices.level.rank, found.name
        assert not cautions & set(way.cautions), (found.name, way.cautions)
        assert set(way.props) <= set(choices.props), (found.name, way.props)
        # The hardest way that fits: harder, else as written, else easier (ways() lists them easiest first).
        fitting = [other for other in found.move.ways() if other.level.rank <= choices.level.rank
                   and not cautions & set(other.cautions) and set(other.props) <= set(choices.props)]
        assert way == fitting[-1], found.name


def _check_doses(routine, forms: list[Form | None]) -> list[float]:
    """Assert each dose is within its range; return where in its range each is (0: the low end, 1: the top)."""
    fills = []
    for exercise, found in zip(routine.exercises, forms):
        if found is None:
            continue
        for key in ("reps", "hold_each", "work", "hold", "rest"):
            value = getattr(exercise, key)
            span = _range(found, key)
            if span is None:
                assert value is None or (key == "rest"), (exercise.name, key)
                continue
            if value is None:
                assert key == "rest" and span[0] == 0, (exercise.name, key)
                continue
            amount = value if key == "reps" else value.amount
            assert span[0] <= amount <= span[1], (exercise.name, key, amount, span)
            if span[1] > span[0] and key != "rest":
                fills.append((amount - span[0]) / (span[1] - span[0]))
    return fills


def _check_order(routine, forms: list[Form | None], names: list[str]) -> None:
    before_cool_down = [(e, f) for e, f in zip(routine.exercises, forms) if e.section != names[3]]
    places, seen = [], False
    for _, found in before_cool_down:
        where = STOPS[found.position]
        # Standing opens the flow until the class has left it, and closes it after.
        place = where[0] if not seen or len(where) == 1 else where[-1]
        seen = seen or place != 0
        places.append(place)
    assert places == sorted(places), places  # the flow's order, never back to a position left
    for start in range(len(places) - 3):
        window = places[start:start + 4]
        assert sum(a != b for a, b in zip(window, window[1:])) <= 1, window
    main = [(e, f) for e, f in before_cool_down if e.section == names[2]]
    for number, (exercise, found) in enumerate(main):
        if found.shape is Shape.FLEXION and (number + 1 == len(main) or main[number + 1][1].shape is not Shape.FLEXION):
            assert number + 1 < len(main), f"the main set ends on {exercise.name}, a flexion"
            follower = main[number + 1][1]
            assert Shape.FLEXION in follower.move.counters, (exercise.name, follower.name)


def _check_focus(routine, forms, script, main_name: str, choices: Choices) -> list[str]:
    marks = list(script.chapters)
    lengths = [((marks[i + 1].start if i + 1 < len(marks) else script.duration) - c.start) / SAMPLE_RATE
               for i, c in enumerate(marks) if c.level == 1]
    main = [(f, spent) for e, f, spent in zip(routine.exercises, forms, lengths) if e.section == main_name]
    total = sum(spent for _, spent in main)
    focus = choices.focus
    if focus:
        on = sum(spent for f, spent in main if any(a in focus for a in f.focus))
        assert on >= 0.6 * total - 1e-6, (on / total)
    areas: dict = {}
    for f, spent in main:
        area = next((a for a in f.focus if a in focus), f.focus[0])
        areas[area] = areas.get(area, 0.0) + spent
    for area, spent in areas.items():
        assert area in focus or spent <= 0.4 * total + 1e-6, (area, spent / total)
    return [f.id for f, _ in main]


