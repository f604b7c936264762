"""A pool of fresh processes over this machine's cores, for the parts of a batch that run locally."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Callable, Iterable, Iterator


def each(function: Callable[..., Any], calls: Iterable[tuple], workers: int) -> Iterator[tuple[int, Any]]:
    """Run `function(*args)` for each tuple of arguments on up to `workers` processes; yield (index, result) as each ends."""
    calls = list(calls)
    # Fresh processes, not forks: a fork would share this process's cache hold and speech threads.
    with ProcessPoolExecutor(max(1, min(workers, len(calls))), mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(function, *args): index for index, args in enumerate(calls)}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
