"""What is written beside a session's audio (tags, chapters, transcript, cover); the feed, the page and its player."""

from pilates_audio.publish.channel import DEFAULT_AUTHOR, DEFAULT_TITLE, SETTINGS_NAME, Channel, channel_settings
from pilates_audio.publish.export import COVERS, MEDIA_TYPES
from pilates_audio.publish.feed import (FEED_NAME, FEED_TYPE, Index, check_base_url, feed_xml, unreadable_names,
                                        write_feed)
from pilates_audio.publish.page import page_html
from pilates_audio.publish.webapp import app_file

__all__ = ["COVERS", "DEFAULT_AUTHOR", "DEFAULT_TITLE", "FEED_NAME", "FEED_TYPE", "MEDIA_TYPES",
           "SETTINGS_NAME", "Channel", "Index", "app_file", "channel_settings", "check_base_url", "feed_xml",
           "page_html", "unreadable_names", "write_feed"]
