"""Answers to GET and HEAD: plain text, a page or feed made here, and a file in byte ranges, with validators."""

from __future__ import annotations

import email.utils
import hashlib
import os
import re
import time
from typing import AsyncIterator

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

CHUNK = 64 * 1024  # bytes read and sent at a time: memory stays flat whatever the file's size
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def plain(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    """Answer with a short text, as for an error."""
    return Response(text, status_code=status, headers=headers, media_type="text/plain; charset=utf-8")


def content_tag(body: bytes) -> str:
    """Return the entity tag of bytes made here: their hash."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def generated(headers: Headers, body: bytes, etag: str, content_type: str) -> Response:
    """Answer with a page or feed made here, or 304 if the client has these bytes already."""
    if _matches_any(headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    return Response(body, headers={"ETag": etag, "Cache-Control": "no-cache"}, media_type=content_type)


def file_response(request: Request, fd: int, content_type: str) -> Response:
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
                return plain(416, "range not satisfiable\n", {"Content-Range": f"bytes */{size}"})
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
    plain_tag = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == plain_tag for tag in _tags(header))


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
