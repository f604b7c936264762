"""Write a deterministic reference routine of about the given length, for benchmarks."""

from __future__ import annotations

import sys

import yaml

MOVES = ["roll", "lift", "reach", "press", "curl", "twist", "glide", "circle", "sweep", "float", "lengthen", "open"]
PARTS = ["spine", "shoulders", "hips", "ribs", "arms", "legs", "neck", "core", "chest", "back"]


def routine(minutes: float) -> dict:
    """Return a routine with exercises of about 75 s each, every one with its own lines."""
    exercises = []
    for i in range(max(1, round(minutes * 60 / 75))):
        move, part = MOVES[i % len(MOVES)], PARTS[(i * 7) % len(PARTS)]
        exercises.append({
            "name": f"{move.capitalize()} the {part} {i + 1}",
            "setup": f"Set up for exercise {i + 1}: find a steady position and feel your {part}.",
            "cues": [f"Gently {move} through the {part}, round {i + 1}.", f"Keep breathing into the {part}."],
            "reps": 4 + i % 3,
            "hold": f"{1 + i % 3} breaths",
            "rest": "1 breath",
        })
    return {"title": f"Benchmark, {minutes:g} minutes", "intro": "A long session for measuring speed.",
            "exercises": exercises, "outro": "The benchmark session is complete."}


if __name__ == "__main__":
    print(yaml.safe_dump(routine(float(sys.argv[1])), sort_keys=False))
