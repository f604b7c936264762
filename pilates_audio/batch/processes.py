"""A pool of fresh processes over this machine's cores, for the parts of a batch that run locally."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Callable, Iterable, Iterator

ORPHAN_CHECK = 0.2  # seconds between a worker's looks at whether the run that started it is still there


def each(function: Callable[..., Any], calls: Iterable[tuple], workers: int) -> Iterator[tuple[int, Any]]:
    """Run `function(*args)` for each tuple of arguments on up to `workers` processes; yield (index, result) as each ends."""
    calls = list(calls)
    # Fresh processes, not forks: a fork would share this process's cache hold and speech threads.
    with ProcessPoolExecutor(max(1, min(workers, len(calls))), mp_context=multiprocessing.get_context("spawn"),
                             initializer=_end_with, initargs=(os.getpid(),)) as pool:
        futures = {pool.submit(function, *args): index for index, args in enumerate(calls)}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _end_with(parent: int) -> None:
    """Make this worker end when the run that started it is gone (kill -9 leaves the pool's queues open)."""
    threading.Thread(target=_watch, args=(parent,), name="orphan-check", daemon=True).start()


def _watch(parent: int) -> None:
    # An orphan is handed to another parent (init, or a subreaper): what it was doing is nobody's any more.
    # Its half-written files carry its process id, so the next run sweeps them; its cache mark is unlocked.
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK)
    os._exit(1)
