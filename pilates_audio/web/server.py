"""Serve a folder of sessions read-only: a phone-friendly page, the files, and the feed.

Built on uvicorn (HTTP parsing by h11, timeouts, a connection limit) and Starlette's
requests and responses. Every file is answered from the descriptor opened for it, so
a session re-rendered meanwhile is never mixed into an answer.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import html
import logging
import os
import posixpath
import re
import socket
import stat
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator
from urllib.parse import quote, unquote

import anyio.to_thread
import click
import h11
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from uvicorn.protocols.http.h11_impl import H11Protocol

from pilates_audio.errors import InputError, PilatesAudioError, ValidationError
from pilates_audio.format import format_clock
from pilates_audio.publish import feed

TYPES = {
    ".mp3": "audio/mpeg",
    ".json": "application/json; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
CHUNK = 64 * 1024  # bytes read and sent at a time: memory stays flat whatever the file's size
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


HEAD_BYTES = 16 * 1024  # the largest request head (line and headers) answered; larger ones get 431


def head_too_large(scope: dict, limit: int = HEAD_BYTES) -> bool:
    """Tell whether a request's line and headers pass the limit (h11 holds back only heads still incomplete)."""
    size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
    return size + sum(len(name) + len(value) + 4 for name, value in scope.get("headers", [])) > limit


@dataclass(frozen=True)
class Limits:
    """What one client may take of the server, so that none can hold it."""

    header_timeout: float = 10.0  # seconds to send a request's headers, from connecting or the last answer
    body_timeout: float = 10.0  # seconds to send a request's body once its headers are in (2 MB at most)
    keep_alive: int = 5  # seconds an idle connection stays open between requests
    connections: int = 1000  # open at once; past this a request is answered 503 (fewer if descriptors are short)
    backlog: int = 1024  # connections the system queues before the server accepts them
    header_bytes: int = HEAD_BYTES  # the largest request head
    shutdown: int = 1  # seconds downloads get to finish when the server is stopped


def _plain(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(text, status_code=status, headers=headers, media_type="text/plain; charset=utf-8")


class Site:
    """The ASGI application: the page, the feed and the files of one folder, read-only."""

    def __init__(self, folder: Path, hosts: frozenset[str]):
        self.folder = folder.resolve()
        self.hosts = hosts
        self.index = feed.Index(self.folder)
        self.channel = _ChannelFile(self.folder)
        # The page, and the feed for each address it was asked by: (episodes, settings, body, etag).
        self._made_for: dict[str, tuple[list, feed.Channel, bytes, str]] = {}

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] != "http":
            return  # no lifespan or websocket here
        request = Request(scope, receive)
        try:
            response = await self.answer(request)
        except Exception:  # never a traceback to the client or the terminal
            response = _plain(500, "internal error\n")
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
            made = self._made_for[key] = (episodes, settings, body, _content_tag(body))
        return made[2], made[3]

    async def answer(self, request: Request) -> Response:
        """Return the response to one request."""
        if head_too_large(request.scope):
            return _plain(431, "request header fields too large\n", {"Connection": "close"})
        if request.method not in ("GET", "HEAD"):
            return Response(status_code=405, headers={"Allow": "GET, HEAD", "Content-Length": "0"})
        host = request.headers.get("host")
        if not host_allowed(host, self.hosts):
            return _plain(421, "this server does not answer for that host name\n")
        name = _safe_name(request.scope["raw_path"].decode("latin-1"))
        if name is None:
            return _plain(400, "bad path\n")
        if name == "":
            episodes = await anyio.to_thread.run_sync(self.index.episodes)
            body, etag = self._made("page", episodes, lambda settings: page(episodes, settings).encode("utf-8"))
            return _generated(request.headers, body, etag, "text/html; charset=utf-8")
        if name == feed.FEED_NAME:
            # Mounted under a path (the studio's /sessions), the feed's links say so.
            base = f"http://{host}{request.scope.get('root_path', '')}/" if host is not None and _HOST.match(host) \
                else None
            if base is None:
                return _plain(400, "bad Host header\n")
            episodes = await anyio.to_thread.run_sync(self.index.episodes)
            body, etag = self._made(base, episodes, lambda settings: feed.feed_xml(episodes, base, settings))
            return _generated(request.headers, body, etag, TYPES[".xml"])
        opened = _open(self.folder, name)
        if opened is None:
            return _plain(404, "not found\n")
        return _file(request, opened, TYPES[Path(name).suffix.lower()])


class _ChannelFile:
    """The folder's feed.yaml, read again when it changes; while it has problems, the last good one counts."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.stamp = self._stamp()
        self.settings = feed.channel(folder)  # problems at the start are refused, as `feed` refuses them

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            info = os.stat(self.folder / feed.SETTINGS_NAME)
        except OSError:
            return None
        return info.st_size, info.st_mtime_ns, info.st_ino

    def current(self) -> feed.Channel:
        stamp = self._stamp()
        if stamp != self.stamp:
            self.stamp = stamp
            try:
                self.settings = feed.channel(self.folder)
            except ValidationError as exc:
                for problem in exc.problems:
                    click.echo(f"warning: {problem}", err=True)
                click.echo(f"warning: {self.folder / feed.SETTINGS_NAME} is not used until it is fixed", err=True)
        return self.settings


def _content_tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _generated(headers: Headers, body: bytes, etag: str, content_type: str) -> Response:
    """Answer with a page or feed made here, or 304 if the client has these bytes already."""
    if _matches_any(headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    return Response(body, headers={"ETag": etag, "Cache-Control": "no-cache"}, media_type=content_type)


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


def _file(request: Request, fd: int, content_type: str) -> Response:
    """Answer with the file open at `fd`: whole, a byte range, or 304, all from that one version of it.

    Outputs are replaced by renaming, so the opened file stays one whole version even
    if a re-render replaces it meanwhile; its size, time and validators come from it.
    """
    info = os.fstat(fd)
    size = info.st_size
    etag = f'"{size:x}-{info.st_mtime_ns:x}-{info.st_ino:x}"'
    headers = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": "no-cache"}
    # A time is a validator only once its second is over: two versions written within
    # one second would share it, and a resumed download would join them.
    settled = time.time() - info.st_mtime >= 1.0
    if settled:
        headers["Last-Modified"] = email.utils.formatdate(info.st_mtime, usegmt=True)
    asked = request.headers
    if _not_modified(asked, etag, int(info.st_mtime) if settled else None):
        os.close(fd)
        return Response(status_code=304, headers=headers)
    start, end, status = 0, size - 1, 200
    wanted = asked.get("range")
    if wanted and _if_range_holds(asked.get("if-range"), etag, int(info.st_mtime) if settled else None):
        match = _RANGE.match(wanted.strip())
        # A range that ends before it starts is not a range at all: the whole file, as for one not understood.
        backwards = match is not None and bool(match[1] and match[2]) and int(match[2]) < int(match[1])
        if match and (match[1] or match[2]) and not backwards:
            if match[1]:
                start = int(match[1])
                end = min(int(match[2]), size - 1) if match[2] else size - 1
            else:  # the last N bytes
                start = max(0, size - int(match[2]))
            if start >= size or start > end:
                os.close(fd)
                return _plain(416, "range not satisfiable\n", {"Content-Range": f"bytes */{size}"})
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        # Anything else (several ranges, other units) is answered with the whole file.
    headers["Content-Type"] = content_type
    headers["Content-Length"] = str(end - start + 1)
    return _FileStream(fd, start, end - start + 1, status, headers, body=request.method == "GET")


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def _matches_any(header: str | None, etag: str) -> bool:
    """Tell whether an If-None-Match header names this entity tag (weak comparison, as it asks)."""
    if header is None:
        return False
    plain = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == plain for tag in _tags(header))


def _date(header: str) -> int | None:
    try:
        parsed = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    return int(parsed.timestamp()) if parsed.tzinfo is not None else None


def _not_modified(headers: Headers, etag: str, modified: int | None) -> bool:
    """Tell whether the client's copy is this version: If-None-Match, else If-Modified-Since."""
    if "if-none-match" in headers:
        return _matches_any(headers["if-none-match"], etag)
    since = _date(headers.get("if-modified-since", ""))
    return modified is not None and since is not None and modified <= since


def _if_range_holds(header: str | None, etag: str, modified: int | None) -> bool:
    """Tell whether a range may be sent: no If-Range, or one naming exactly this version."""
    if header is None:
        return True
    header = header.strip()
    if header.startswith('"'):
        return header == etag  # a strong comparison: a weak tag never allows a range
    if header.startswith("W/"):
        return False
    return modified is not None and _date(header) == modified


class _FileStream(StreamingResponse):
    """Send `length` bytes from `start` of an open file, a chunk at a time; close it when done."""

    def __init__(self, fd: int, start: int, length: int, status: int, headers: dict[str, str], body: bool):
        self.file = os.fdopen(fd, "rb", buffering=0)
        super().__init__(self._chunks(start, length) if body else _nothing(), status_code=status, headers=headers)

    async def _chunks(self, start: int, length: int) -> AsyncIterator[bytes]:
        await anyio.to_thread.run_sync(self.file.seek, start)
        while length > 0:
            data = await anyio.to_thread.run_sync(self.file.read, min(CHUNK, length))
            if not data:
                # Cut short in place (not by a re-render, which renames): end the answer
                # rather than pad it, so the client sees a broken download, not a wrong one.
                raise ConnectionAbortedError("the file was cut short while it was sent")
            length -= len(data)
            yield data

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.file.close()


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # an async generator that yields nothing


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


def page(episodes: list[feed.Episode], settings: feed.Channel = feed.Channel()) -> str:
    """Return the HTML page: each session with a player and chapters that seek."""
    sessions = []
    for episode in episodes:
        items = "".join(
            f'<li><button type="button" class="chapter" data-start="{start:.3f}">'
            f'<span class="time">{format_clock(start)}</span> {html.escape(title)}</button></li>'
            for start, title in episode.chapters
        )
        mp3 = quote(episode.mp3.name)
        sessions.append(
            # The page's own words are English; each session's title and chapters are in its language.
            f'<section class="session" id="{html.escape(episode.name)}" lang="{html.escape(episode.language)}">'
            f"<h2>{html.escape(episode.title)}</h2>"
            f'<p class="meta">{format_clock(episode.duration)}'
            + (f" · {html.escape(episode.description)}" if episode.description else "")
            + '</p><div class="player">'
            + (f'<img class="cover" src="{quote(episode.cover)}" alt="" width="64" height="64">' if episode.cover else "")
            + f'<audio controls preload="metadata" src="{mp3}"></audio></div>'
            f'<ol class="chapters">{items}</ol>'
            f'<p class="links"><a href="{mp3}" download>Download MP3</a></p></section>'
        )
    body = "".join(sessions) or "<p>No sessions here yet: render one into this folder.</p>"
    return PAGE.format(body=body, feed=feed.FEED_NAME, title=html.escape(settings.title),
                       description=html.escape(settings.description))


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 40rem; padding: 1rem; line-height: 1.4;
         color: #222; background: #fafaf7; }}
  h1 {{ font-size: 1.5rem; margin-bottom: 0.25rem; }}
  .intro {{ margin: 0; color: #666; }}
  .session {{ background: #fff; border-radius: 0.75rem; padding: 1rem; margin: 1rem 0;
              box-shadow: 0 1px 3px rgba(0,0,0,0.1); }}
  h2 {{ margin: 0 0 0.25rem; font-size: 1.2rem; }}
  .meta {{ margin: 0 0 0.75rem; color: #666; }}
  .player {{ display: flex; align-items: center; gap: 0.75rem; }}
  audio {{ flex: 1; min-width: 0; width: 100%; }}
  .cover {{ flex: none; width: 4rem; height: 4rem; object-fit: cover; border-radius: 0.5rem; }}
  .chapters {{ list-style: none; padding: 0; margin: 0.75rem 0 0; }}
  .chapter {{ display: block; width: 100%; text-align: left; font: inherit; padding: 0.7rem 0.5rem;
              border: 0; border-top: 1px solid #eee; background: none; cursor: pointer; }}
  .chapter:hover, .chapter:focus {{ background: #f0f4f0; }}
  .time {{ display: inline-block; min-width: 3.5rem; color: #2a7; font-variant-numeric: tabular-nums; }}
  .hint {{ color: #666; font-size: 0.9rem; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="intro">{description}</p>
{body}
<p class="hint">To get every session on your phone, subscribe to <a href="{feed}">this podcast feed</a>
in any podcast app (look for "add by URL").</p>
<script>
  document.querySelectorAll(".session").forEach(function (session) {{
    var player = session.querySelector("audio");
    session.querySelectorAll(".chapter").forEach(function (button) {{
      button.addEventListener("click", function () {{
        player.currentTime = parseFloat(button.dataset.start);
        player.play();
      }});
    }});
  }});
</script>
</body>
</html>
"""


def lan_address() -> str | None:
    """Return this machine's address on the local network, if it has one, without sending anything."""
    found = []
    # The address the system would send from: "connecting" a UDP socket only looks up the route.
    with suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # a documentation address (RFC 5737): never reached
        found.append(probe.getsockname()[0])
    # Many systems map their host name to 127.0.1.1 in /etc/hosts; it is asked second for that reason.
    with suppress(OSError):
        found += sorted({info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)})
    usable = [a for a in found if not a.startswith(("127.", "169.254.", "0."))]
    return usable[0] if usable else None


WILDCARDS = ("0.0.0.0", "", "::")


def answers_for(host: str) -> frozenset[str]:
    """Return the host names a server bound to `host` answers for: this machine's, and its LAN address if wider."""
    names = {"localhost", "::1"}
    if host in WILDCARDS:
        lan = lan_address()
        names |= {lan} if lan else set()
    else:
        names.add(host.lower())
    return frozenset(names)


def _host_name(header: str) -> str:
    """Return the name in a Host header, without its port or an IPv6 address's brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def host_allowed(header: str | None, hosts: frozenset[str]) -> bool:
    """Tell whether a request's Host header names this server (no header: a plain HTTP/1.0 client)."""
    # A page a browser reached by another name (DNS rebinding) gets nothing from here.
    return header is None or _host_name(header) in hosts or _loopback(_host_name(header))


def is_loopback(host: str) -> bool:
    """Tell whether an address to listen on is reachable from this machine only."""
    return host.lower() in ("localhost", "::1") or _loopback(host)


def _loopback(name: str) -> bool:
    """Tell whether a name is an address of this machine's loopback (127.0.0.0/8)."""
    parts = name.split(".")
    return len(parts) == 4 and parts[0] == "127" and all(part.isdigit() and int(part) < 256 for part in parts)


class _Connection(H11Protocol):
    """uvicorn's HTTP/1.1 connection, with time limits on a request's headers and on its body.

    uvicorn times out only idle keep-alive connections; a client that sends its headers
    or its body a byte at a time (or never) would otherwise hold its socket for ever,
    and the studio's handler waiting for that body with it. Headers later than
    `header_timeout` close the connection; a body later than `body_timeout` is answered
    408, then closed.
    """

    header_timeout = Limits.header_timeout
    body_timeout = Limits.body_timeout

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._await_headers()

    def _await_headers(self) -> None:
        if self._header_timer is None and not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()

    def _headers_in(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._headers_in()
        if self.conn.their_state is h11.SEND_BODY:
            if self._body_timer is None and not self.transport.is_closing():
                self._body_timer = self.loop.call_later(self.body_timeout, self._body_late)
        else:
            self._body_in()

    def _body_in(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _body_late(self) -> None:
        self._body_timer = None
        if self.conn.their_state is not h11.SEND_BODY or self.transport.is_closing():
            return
        if self.conn.our_state is h11.SEND_RESPONSE:  # nothing answered yet: say why the connection ends
            text = b"the request's body took too long to arrive\n"
            headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(text)).encode()),
                       (b"connection", b"close")]
            answer = h11.Response(status_code=408, headers=headers, reason=b"Request Timeout")
            with suppress(h11.LocalProtocolError):
                self.transport.write(self.conn.send(answer) + self.conn.send(h11.Data(data=text))
                                     + self.conn.send(h11.EndOfMessage()))
        # The handler waiting for the body is told the client is gone, and answers nothing more.
        self.transport.close()

    def on_response_complete(self) -> None:
        if self.conn.their_state is h11.SEND_BODY and not self.transport.is_closing():
            # Still sending a body nothing here reads (every answer is to GET or HEAD): a
            # trickle of it would keep the connection open without any timeout.
            self.transport.close()
        super().on_response_complete()
        if self.conn.their_state is h11.IDLE:
            self._await_headers()  # the next request's headers are due in time too

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_in()
        self._body_in()
        super().connection_lost(exc)


def _descriptor_budget(wanted: int) -> int:
    """Return how many connections the process's file descriptors allow, raising the soft limit if it can."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to read
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    goal = 2 * wanted + 64
    if soft != resource.RLIM_INFINITY and soft < goal and (hard == resource.RLIM_INFINITY or hard > soft):
        soft = goal if hard == resource.RLIM_INFINITY else min(goal, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        except (ValueError, OSError):
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return wanted
    # Each connection may hold its socket and a file it sends; some are kept for the rest.
    return max(1, min(wanted, (soft - 32) // 2))


class Server:
    """A bound server for an ASGI app (a folder's Site, the studio): `port` is known at once, `run` serves."""

    def __init__(self, app: object, host: str, port: int, limits: Limits = Limits()):
        import uvicorn

        self.app = app
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            self.socket = socket.create_server((host, port), family=family, backlog=limits.backlog)
        except OSError as exc:
            if exc.errno in (98, 48, 10048):  # address in use (Linux, macOS, Windows)
                raise PilatesAudioError(f"port {port} on {host} is already in use; choose another with --port") from None
            raise PilatesAudioError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
        self.port: int = self.socket.getsockname()[1]
        protocol = type("Connection", (_Connection,), {"header_timeout": limits.header_timeout,
                                                      "body_timeout": limits.body_timeout})
        config = uvicorn.Config(
            self.app, http=protocol, ws="none", lifespan="off", log_config=None, access_log=False,
            proxy_headers=False, server_header=False, headers=[("server", "pilates-audio")],
            limit_concurrency=_descriptor_budget(limits.connections), backlog=limits.backlog,
            timeout_keep_alive=limits.keep_alive, h11_max_incomplete_event_size=limits.header_bytes,
            timeout_graceful_shutdown=limits.shutdown)
        self.uvicorn = uvicorn.Server(config)

    def run(self) -> None:
        """Serve until Ctrl-C or SIGTERM (raised again here as KeyboardInterrupt once connections are closed)."""
        _quiet()
        try:
            asyncio.run(self.uvicorn.serve(sockets=[self.socket]))
        finally:
            self.socket.close()

    def stop(self) -> None:
        """Ask a server running in another thread to stop."""
        self.uvicorn.should_exit = True


def _quiet() -> None:
    """Keep uvicorn's and asyncio's log lines (a client's broken request, a full descriptor table) off the terminal."""
    for name in ("uvicorn", "asyncio"):
        logger = logging.getLogger(name)
        logger.handlers = [logging.NullHandler()]
        logger.propagate = False


def make_server(folder: Path, host: str, port: int, limits: Limits = Limits()) -> Server:
    """Bind a server for `folder`; raise a clear error if the address cannot be had."""
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder")  # exit 2, as feed and render say it
    return Server(Site(folder, answers_for(host)), host, port, limits)


def urls(server: Server, host: str) -> list[str]:
    """Return the addresses to open: this machine's, and the LAN one when listening beyond it."""
    port = server.port
    shown = "127.0.0.1" if host in WILDCARDS else host
    result = [f"http://{shown}:{port}/"]
    if host in WILDCARDS:
        lan = lan_address()
        if lan:
            result.append(f"http://{lan}:{port}/")
    return result
