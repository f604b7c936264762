"""Reading a running command's output line by line, with a timeout."""

from __future__ import annotations

import queue


def lines_of(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)


def next_line(lines: queue.Queue, timeout: float = 60) -> str:
    return lines.get(timeout=timeout)
