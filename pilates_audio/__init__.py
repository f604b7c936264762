"""Turn Pilates routines into timed narration scripts and guided MP3 sessions."""

__version__ = "0.1.0"
