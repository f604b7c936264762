"""What is written beside a session's audio: its tags, chapters, transcript and cover, and the podcast feed."""

from pilates_audio.publish.export import COVERS
from pilates_audio.publish.feed import write_feed

__all__ = ["COVERS", "write_feed"]
