"""What is written beside a session's audio (tags, chapters, transcript, cover); the feed, the page and its player."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pilates_audio.publish.channel import (DEFAULT_AUTHOR, DEFAULT_TITLE, SETTINGS_NAME, Channel,
                                               channel_settings)
    from pilates_audio.publish.export import COVERS, MEDIA_TYPES
    from pilates_audio.publish.feed import (FEED_NAME, FEED_TYPE, Index, check_base_url, feed_xml,
                                            unreadable_names, write_feed)
    from pilates_audio.publish.page import page_html
    from pilates_audio.publish.webapp import app_file

# Each name's module, imported when the name is first asked for: a render writes no feed and no page, and
# planning (compose, script) imports the render without them.
_MODULES = {"DEFAULT_AUTHOR": "channel", "DEFAULT_TITLE": "channel", "SETTINGS_NAME": "channel", "Channel": "channel",
            "channel_settings": "channel", "COVERS": "export", "MEDIA_TYPES": "export", "FEED_NAME": "feed",
            "FEED_TYPE": "feed", "Index": "feed", "check_base_url": "feed", "feed_xml": "feed",
            "unreadable_names": "feed", "write_feed": "feed", "page_html": "page", "app_file": "webapp"}

__all__ = ["COVERS", "DEFAULT_AUTHOR", "DEFAULT_TITLE", "FEED_NAME", "FEED_TYPE", "MEDIA_TYPES",
           "SETTINGS_NAME", "Channel", "Index", "app_file", "channel_settings", "check_base_url", "feed_xml",
           "page_html", "unreadable_names", "write_feed"]


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
