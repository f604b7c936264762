"""Serving a folder of sessions: the page, the feed, ranges and hosts."""

from pilates_audio.web.server import Limits, make_server

__all__ = ["Limits", "make_server"]
