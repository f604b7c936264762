"""Serving over HTTP: the server and its limits, the host names it answers for, and a folder of sessions as a site."""

from pilates_audio.web.hosts import WILDCARDS, answers_for, host_allowed, is_loopback, urls
from pilates_audio.web.server import Limits, Server, head_too_large
from pilates_audio.web.site import Site, make_server

__all__ = ["WILDCARDS", "Limits", "Server", "Site", "answers_for", "head_too_large", "host_allowed", "is_loopback",
           "make_server", "urls"]
