"""The timed script: when each line and tone of a session sounds, and fitting a routine to a length."""

from pilates_audio.timing.fit import Fit, Target
from pilates_audio.timing.placement import join_slivers
from pilates_audio.timing.script import SAMPLE_RATE, Cue, Script
from pilates_audio.timing.walk import candidate_lines, minimum_seconds, plan, plan_if_known

__all__ = ["SAMPLE_RATE", "Cue", "Fit", "Script", "Target", "candidate_lines", "join_slivers",
           "minimum_seconds", "plan", "plan_if_known"]
