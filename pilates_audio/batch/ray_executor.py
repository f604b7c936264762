"""The Ray executor: speech on Ray actors that keep their voice loaded, assembly as Ray tasks.

Ray is imported only here, and only when a batch asks for it, so the tool runs without it.
Every node reads and writes the one cache (`PILATES_AUDIO_CACHE` on storage all nodes
see): entries are content-addressed and created only if absent, so concurrent writers
are safe, and a session assembled anywhere finds every clip spoken anywhere.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

from pilates_audio.batch.executor import Outcome, make
from pilates_audio.batch.plan import Job, Output, Voicing
from pilates_audio.errors import InputError
from pilates_audio.files import CACHE_VARIABLE, cache_dir, temp_prefix

RETRIES = 3  # times Ray runs a line or a session again after losing the worker running it
INSTALL = "pip install 'pilates-audio[ray]'"
LOCAL = "local"  # as Ray's own address for a runtime of this process's own


def _ray() -> Any:
    """Import Ray, or say how to install it."""
    try:
        import ray
    except ImportError:
        raise InputError(f"--ray needs Ray, which is not installed; install it with {INSTALL}") from None
    return ray


class Speaker:
    """A Ray actor holding one engine and voice loaded, speaking lines into the cache."""

    def __init__(self, engine: str, voice: str) -> None:
        from pilates_audio import speech

        self.engine = speech.engine(engine)
        self.speaker = self.engine.open(voice)

    def speak(self, text: str, rate: int, path: str) -> None:
        from pilates_audio.speech import clips
        from pilates_audio.speech.worker import speak_checked

        if clips.load(Path(path)) is not None:
            return  # stored before a lost worker's call was run again, or by another run
        clips.store(Path(path), speak_checked(self.speaker, text, rate, self.engine.estimate(text, rate)))


def _probe(root: str) -> str | None:
    """Try to write in the cache folder, as a worker on this node would; say why not, if it cannot."""
    try:
        Path(root).mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=temp_prefix(), suffix=".tmp", dir=root)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _assemble(job: Job, output: Output) -> Outcome:
    return make(job, output)


class RayExecutor:
    """Speak and assemble on a Ray cluster: joined at `address`, or started on this machine when it is `local`."""

    name = "ray"

    def __init__(self, address: str = "local", workers: int | None = None) -> None:
        ray = self.ray = _ray()
        # Ray prints what its nodes report (a worker lost) on stdout, which carries only results: send it to stderr.
        self._stdout, sys.stdout = sys.stdout, sys.stderr
        root = str(cache_dir().resolve())
        # Workers take the tool's settings from here, whatever their node's environment says.
        env = {key: value for key, value in os.environ.items() if key.startswith("PILATES_AUDIO_")}
        env[CACHE_VARIABLE] = root
        options: dict[str, Any] = dict(runtime_env={"env_vars": env}, include_dashboard=False, log_to_driver=False,
                                       logging_level="ERROR")
        if address == LOCAL:
            ray.init(address=LOCAL, num_cpus=workers, **options)  # a new runtime, never one already running here
        else:
            ray.init(address=address, **options)
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._speaker = ray.remote(num_cpus=1, max_restarts=RETRIES, max_task_retries=RETRIES)(Speaker)
        self._assemble = ray.remote(num_cpus=1, max_retries=RETRIES)(_assemble)
        try:
            self._check_cache(root)
        except BaseException:
            self.close()
            raise

    def _check_cache(self, root: str) -> None:
        """Refuse a cache folder a worker cannot write in, naming the node."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        probe = self.ray.remote(num_cpus=0)(_probe)
        nodes = [node for node in self.ray.nodes() if node.get("Alive")]
        answers = self.ray.get([probe.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"],
                                                                                                  soft=False))
                                .remote(root) for node in nodes])
        for node, problem in zip(nodes, answers):
            if problem:
                raise InputError(f"the cache {root} cannot be written from the Ray worker on "
                                 f"{node.get('NodeManagerAddress', 'a node')} ({problem}); a Ray run needs "
                                 f"{CACHE_VARIABLE} to be a folder every node can write, on storage they all see")

    def speak(self, voicing: Voicing, lines: list[str], tick: Callable[[], None]) -> None:
        voices = voicing.speech(workers=1)
        from pilates_audio import cache

        cache.note_voice(voices.clip_dir, voices.engine.name, voices.voice, voices.identity)
        actors = [self._speaker.remote(voices.engine.name, voices.voice)
                  for _ in range(min(self.workers, len(lines)))]
        try:
            pending = [actors[i % len(actors)].speak.remote(text, voicing.rate, str(voices.path(text)))
                       for i, text in enumerate(lines)]
            while pending:
                ready, pending = self.ray.wait(pending, num_returns=1)
                self.ray.get(ready)
                tick()
        finally:
            for actor in actors:
                self.ray.kill(actor)

    def assemble(self, jobs: list[Job], output: Output, done: Callable[[Outcome], None]) -> None:
        pending = {self._assemble.remote(job, output): job for job in jobs}
        while pending:
            ready, _ = self.ray.wait(list(pending), num_returns=1)
            job = pending.pop(ready[0])
            try:
                done(self.ray.get(ready[0]))
            except self.ray.exceptions.RayError as exc:
                done(Outcome(job.name, error=f"lost on Ray after {RETRIES} retries: {str(exc).splitlines()[0]}"))

    def close(self) -> None:
        """Leave the cluster (and stop the runtime this run started)."""
        try:
            self.ray.shutdown()
        finally:
            sys.stdout = self._stdout
