"""Files for the studio tests: a routine that includes a block, and the block."""

MAT = """\
title: Studio Mat
pacing: {inhale: 1s, exhale: 1s, transition: 1s}
exercises:
  - {name: Lift, reps: 2}
  - include: blocks/end.yaml
"""
BLOCK = "- {name: Reach, hold: 1 breath}\n"
