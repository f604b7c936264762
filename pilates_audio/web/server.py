"""The HTTP server: uvicorn bound to a socket, with limits on what one client may take and time limits on requests.

Built on uvicorn (HTTP parsing by h11, timeouts, a connection limit); the application
it serves is an ASGI one (a folder's Site, the studio).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from contextlib import suppress
from dataclasses import dataclass

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from pilates_audio.errors import PilatesAudioError

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
