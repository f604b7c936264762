"""The site `serve` answers with: a folder of sessions, read-only, as a page, a feed and the files themselves.

Every file is answered from the descriptor opened for it, so a session re-rendered
meanwhile is never mixed into an answer.
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path
from urllib.parse import unquote

import anyio.to_thread
import click
from starlette.requests import Request
from starlette.responses import Response

from pilates_audio.errors import InputError, ValidationError
from pilates_audio.publish import (FEED_NAME, FEED_TYPE, MEDIA_TYPES, SETTINGS_NAME, Channel, Index, app_file,
                                   channel_settings, feed_xml, page_html)
from pilates_audio.web.hosts import answers_for, host_allowed, well_formed
from pilates_audio.web.responses import content_tag, file_response, generated, plain
from pilates_audio.web.server import Limits, Server, head_too_large

TYPES = {**MEDIA_TYPES, ".xml": FEED_TYPE}  # the files served: a session's, the channel's image, the feed
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class Site:
    """The ASGI application: the page, the feed and the files of one folder, read-only."""

    def __init__(self, folder: Path, hosts: frozenset[str]):
        self.folder = folder.resolve()
        self.hosts = hosts
        self.index = Index(self.folder)
        self.channel = _ChannelFile(self.folder)
        # The page, and the feed for each address it was asked by: (episodes, settings, body, etag).
        self._made_for: dict[str, tuple[list, Channel, bytes, str]] = {}

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] != "http":
            return  # no lifespan or websocket here
        request = Request(scope, receive)
        try:
            response = await self.answer(request)
        except Exception:  # never a traceback to the client or the terminal
            response = plain(500, "internal error\n")
        await response(scope, receive, send)

    def _made(self, key: str, episodes: list, make) -> tuple[bytes, str]:
        """Return the page or a feed as made for these episodes and settings, making it only if they changed."""
        settings = self.channel.current()
        made = self._made_for.get(key)
        # The list itself is kept and compared: the index gives a new one when anything changed.
        if made is None or made[0] is not episodes or made[1] != settings:
            if len(self._made_for) >= 16:
                self._made_for.clear()  # feeds asked for by many names: start again rather than grow
            body = make(settings)
            made = self._made_for[key] = (episodes, settings, body, content_tag(body))
        return made[2], made[3]

    async def answer(self, request: Request) -> Response:
        """Return the response to one request."""
        if head_too_large(request.scope):
            return plain(431, "request header fields too large\n", {"Connection": "close"})
        if request.method not in ("GET", "HEAD"):
            return Response(status_code=405, headers={"Allow": "GET, HEAD", "Content-Length": "0"})
        host = request.headers.get("host")
        if not host_allowed(host, self.hosts):
            return plain(421, "this server does not answer for that host name\n")
        name = _safe_name(request.scope["raw_path"].decode("latin-1"))
        if name is None:
            return plain(400, "bad path\n")
        if name == "":
            episodes = await anyio.to_thread.run_sync(self.index.episodes)
            body, etag = self._made("page", episodes, lambda settings: page_html(episodes, settings).encode("utf-8"))
            return generated(request.headers, body, etag, "text/html; charset=utf-8")
        if name == FEED_NAME:
            # Mounted under a path (the studio's /sessions), the feed's links say so.
            base = f"http://{host}{request.scope.get('root_path', '')}/" if host is not None and well_formed(host) \
                else None
            if base is None:
                return plain(400, "bad Host header\n")
            episodes = await anyio.to_thread.run_sync(self.index.episodes)
            body, etag = self._made(base, episodes, lambda settings: feed_xml(episodes, base, settings))
            return generated(request.headers, body, etag, FEED_TYPE)
        made = app_file(name, self.channel.current())  # the player's script, style, service worker and icons
        if made is not None:
            return generated(request.headers, made[0], content_tag(made[0]), made[1])
        opened = _open(self.folder, name)
        if opened is None:
            return plain(404, "not found\n")
        return file_response(request, opened, TYPES[Path(name).suffix.lower()])


class _ChannelFile:
    """The folder's feed.yaml, read again when it changes; while it has problems, the last good one counts."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.stamp = self._stamp()
        self.settings = channel_settings(folder)  # problems at the start are refused, as `feed` refuses them

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            info = os.stat(self.folder / SETTINGS_NAME)
        except OSError:
            return None
        return info.st_size, info.st_mtime_ns, info.st_ino

    def current(self) -> Channel:
        stamp = self._stamp()
        if stamp != self.stamp:
            self.stamp = stamp
            try:
                self.settings = channel_settings(self.folder)
            except ValidationError as exc:
                for problem in exc.problems:
                    click.echo(f"warning: {problem}", err=True)
                click.echo(f"warning: {self.folder / SETTINGS_NAME} is not used until it is fixed", err=True)
        return self.settings


def _open(folder: Path, name: str) -> int | None:
    """Open a served file, or return None unless it is a plain file of ours directly inside the folder."""
    if "/" in name or name.startswith(".") or Path(name).suffix.lower() not in TYPES:
        return None
    try:
        # Never through a link (O_NOFOLLOW), never waiting on a pipe (O_NONBLOCK).
        fd = os.open(folder / name, _OPEN_FLAGS)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode) or (not hasattr(os, "O_NOFOLLOW") and (folder / name).is_symlink()):
        os.close(fd)
        return None
    return fd


def _safe_name(raw: str) -> str | None:
    """Return the file name a request path asks for, or None if it tries to leave the folder."""
    if not raw.startswith("/"):
        return None
    decoded = unquote(raw)
    # Decoding once must leave plain names: no second encoding, no backslashes, no NULs.
    if "%" in decoded or "\\" in decoded or "\x00" in decoded:
        return None
    parts = decoded.split("/")[1:]
    if any(part in ("..", ".") for part in parts):
        return None
    name = posixpath.normpath(decoded).lstrip("/")
    return "" if name in ("", ".") else name


def make_server(folder: Path, host: str, port: int, limits: Limits = Limits()) -> Server:
    """Bind a server for `folder`; raise a clear error if the address cannot be had."""
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder")  # exit 2, as feed and render say it
    return Server(Site(folder, answers_for(host)), host, port, limits)
