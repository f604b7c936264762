"""Reading the studio's API requests: a JSON body within its limits, and the fields the handlers take from it."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from pilates_audio.errors import InputError
from pilates_audio.format import yamlsrc

KINDS = {str: "text", list: "a list", bool: "true or false"}  # what a field must be, in a message
MAX_BODY = 2 * 1024 * 1024  # bytes in one API request: a routine is at most 1 MB, as text in JSON


async def read(request: Request) -> dict[str, Any]:
    """Return a request's JSON object, refusing one too large, too deep, or holding half a character."""
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            raise InputError(f"the request is too large (the limit is {MAX_BODY:,} bytes)")
    nested = f"the request's body is nested more than {yamlsrc.MAX_DEPTH} levels deep"  # as a routine may be
    try:
        body = json.loads(data.decode("utf-8"))
    except RecursionError:  # deeper than Python's own stack: far past the limit
        raise InputError(nested) from None
    except (UnicodeDecodeError, ValueError):
        raise InputError("the request's body must be JSON") from None
    if not isinstance(body, dict):
        raise InputError("the request's body must be a JSON object")
    if depth(body) > yamlsrc.MAX_DEPTH:  # every handler, and the messages quoting a value, may then walk it safely
        raise InputError(nested)
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # "\ud800" in JSON: half of a character, which no file or voice can hold
        raise InputError("the request holds text that is not valid (half of a character, such as \\ud800)") from None
    return body


def depth(value: Any) -> int:
    """Return how deep JSON values nest (a scalar is 0), without recursing."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth + 1)
            stack.extend((inner, depth + 1) for inner in (item.values() if isinstance(item, dict) else item))
    return deepest


def field(body: dict[str, Any], key: str, kind: type, required: bool = True) -> Any:
    """Return a field of the body, of the kind asked for."""
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, kind):
        raise InputError(f"'{key}' must be {KINDS.get(kind, kind.__name__)}")
    return value


def settings(body: dict[str, Any]) -> dict[str, Any]:
    """Return the body's pacing settings (none if not given)."""
    value = body.get("pacing") or {}
    if not isinstance(value, dict):
        raise InputError("'pacing' must be an object of pacing settings")
    return value


def length(body: dict[str, Any]) -> float | None:
    """Return the body's target length in seconds, or None."""
    from pilates_audio.format import parse_duration

    value = body.get("length")
    if value in (None, ""):
        return None
    try:
        return parse_duration(value, breaths_allowed=False).amount
    except ValueError as exc:
        raise InputError(f"length: {exc}") from None


def problems(problems: list) -> list[dict[str, Any]]:
    """Return problems as JSON, in the order check lists them."""
    ordered = sorted(dict.fromkeys(problems), key=lambda p: (p.path, p.line, p.column))  # as check lists them
    return [{"line": p.line, "column": p.column, "message": p.message, "text": str(p)} for p in ordered]
