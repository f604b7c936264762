"""Catalogues on Ray: a head and a second node started here with `ray start`, against the local executor.

The cluster's processes run in sessions of their own, so teardown ends exactly those.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import run_cli
from catalogues import SMALL, TINY, assert_whole, catalogue

from pilates_audio import batch
from pilates_audio.batch.local import LocalExecutor
from pilates_audio.speech import clips

pytestmark = pytest.mark.slow
ray = pytest.importorskip("ray")

RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0", "RAY_AUTH_MODE": "disabled"}
START_TIMEOUT = 90.0  # seconds for a node to start on a busy machine
MANIFEST = """
collection: Ray set
routines: [routines/*.yaml]
variants:
  pace: [gentle, brisk]
  length: [40s, 1m]
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _sessions_of(leaders: list[int]) -> list[int]:
    """Return the processes in the sessions the cluster's `ray start` commands lead (their workers too)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) in leaders:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _stop(processes: list[subprocess.Popen]) -> None:
    """End the cluster: SIGTERM to its sessions, then SIGKILL to whatever is left, within bounds."""
    leaders = [process.pid for process in processes]
    for signum, grace in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
        for pid in _sessions_of(leaders):
            try:
                os.kill(pid, signum)
            except OSError:
                pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(process.poll() is None for process in processes):
            time.sleep(0.1)
        if not any(process.poll() is None for process in processes) and not _live(_sessions_of(leaders)):
            break
    for process in processes:
        process.wait(timeout=5)


def _live(pids: list[int]) -> list[int]:
    """Return the pids that are running (not zombies waiting for their parent)."""
    alive = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z":
                alive.append(pid)
        except (OSError, IndexError):
            continue
    return alive


def _start(args: list[str], log: Path, env: dict) -> subprocess.Popen:
    """Start one node with `ray start --block` in a session of its own, and wait until it says it is up."""
    ray_bin = str(Path(sys.executable).parent / "ray")
    with open(log, "wb") as out:
        process = subprocess.Popen([ray_bin, "start", "--num-cpus=1", "--node-ip-address=127.0.0.1", "--block", *args],
                                   stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                   stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT
    while b"will now block forever" not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            _stop([process])
            pytest.fail(f"a Ray node did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)
    return process


@pytest.fixture(scope="module")
def cluster():
    """A head node and a second node joining it on 127.0.0.1, one CPU each: yield its address, environment and
    the processes whose sessions hold its processes."""
    # Short: Ray's socket paths inside it must stay under the system's limit.
    temp = Path(tempfile.mkdtemp(prefix="pa-ray-", dir="/tmp"))
    env = {**os.environ, **RAY_ENV}
    port = _free_port()
    nodes = [_start(["--head", f"--port={port}", f"--temp-dir={temp}", "--include-dashboard=false",
                     "--disable-usage-stats"], temp / "head.log", env)]
    try:
        nodes.append(_start([f"--address=127.0.0.1:{port}", f"--temp-dir={temp}"], temp / "node.log", env))
        yield f"127.0.0.1:{port}", RAY_ENV, [node.pid for node in nodes]
    finally:
        _stop(nodes)
        shutil.rmtree(temp, ignore_errors=True)


def _routines(folder: Path) -> Path:
    return catalogue(folder, MANIFEST, {"tiny": TINY, "small": SMALL})


def test_ray_cluster_and_local_executor_make_identical_sessions(cluster, tmp_path):
    address, env, _ = cluster
    manifest = _routines(tmp_path)
    env = {**env, "PILATES_AUDIO_CACHE": str(tmp_path / "cache")}  # empty: Ray speaks every line
    on_ray = run_cli("batch", manifest, "-o", tmp_path / "ray", "--ray", address, env=env)
    assert on_ray.code == 0, on_ray.stderr
    assert "made 8, skipped 0 (up to date), failed 0" in on_ray.stderr
    local = run_cli("batch", manifest, "-o", tmp_path / "local", env=env)
    assert local.code == 0, local.stderr
    names = sorted(path.name for path in (tmp_path / "ray").glob("*.mp3"))
    assert len(names) == 8 and names == sorted(path.name for path in (tmp_path / "local").glob("*.mp3"))
    for name in names:
        stem = name.removesuffix(".mp3")
        assert_whole(tmp_path / "ray", stem)
        for suffix in (".mp3", ".json", ".vtt", ".chapters.json"):
            assert (tmp_path / "ray" / f"{stem}{suffix}").read_bytes() == \
                (tmp_path / "local" / f"{stem}{suffix}").read_bytes(), f"{stem}{suffix} differs"


def test_a_ray_worker_killed_mid_batch_is_replaced_and_every_session_is_whole(cluster, tmp_path):
    address, env, leaders = cluster
    manifest = catalogue(tmp_path, MANIFEST.replace("[gentle, brisk]", "[gentle, standard, brisk]"),
                         {"tiny": TINY, "small": SMALL})
    env = {**os.environ, **env, "PILATES_AUDIO_CACHE": str(tmp_path / "cache")}
    run = subprocess.Popen([sys.executable, "-m", "pilates_audio", "batch", str(manifest), "-o", str(tmp_path / "out"),
                            "--ray", address], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and run.poll() is None and time.monotonic() < deadline:
        for pid in _live(_sessions_of(leaders)):
            try:
                name = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if name.startswith(b"ray::Speaker"):
                os.kill(pid, signal.SIGKILL)  # a speech worker lost with its voice loaded and lines queued
                killed = pid
                break
        time.sleep(0.02)
    out, err = run.communicate(timeout=300)
    assert killed is not None, "no speech worker was seen running"
    assert run.returncode == 0, err
    assert "made 12, skipped 0 (up to date), failed 0" in err
    for line in out.splitlines():
        assert_whole(tmp_path / "out", Path(line.split("\t")[0]).stem)
    assert len(out.splitlines()) == 12


def test_a_ray_run_whose_cache_a_worker_cannot_write_is_refused(cluster, tmp_path):
    address, env, _ = cluster
    manifest = catalogue(tmp_path, "routines: [routines/small.yaml]\n", {"small": SMALL})
    (tmp_path / "file").write_text("not a folder")
    cache = tmp_path / "file" / "cache"
    result = run_cli("batch", manifest, "-o", tmp_path / "out", "--ray", address,
                     env={**env, "PILATES_AUDIO_CACHE": str(cache)})
    assert result.code == 2
    assert re.fullmatch(
        rf"error: the cache {re.escape(str(cache))} cannot be written from the Ray worker on [0-9.]+ \(Not a "
        r"directory\); a Ray run needs PILATES_AUDIO_CACHE to be a folder every node can write, on storage they "
        r"all see\n", result.stderr), result.stderr
    assert not (tmp_path / "out").exists()


@pytest.fixture(params=["local", "ray"])
def executor(request, cluster, monkeypatch):
    """Each executor, as the batch uses it."""
    for key, value in cluster[1].items():
        monkeypatch.setenv(key, value)
    if request.param == "local":
        chosen = LocalExecutor(2)
    else:
        from pilates_audio.batch.ray_executor import RayExecutor

        chosen = RayExecutor(cluster[0])
    yield chosen
    chosen.close()


def test_executors_speak_every_line_and_assemble_every_session_reporting_failures(executor, tmp_path, monkeypatch):
    monkeypatch.setenv("PILATES_AUDIO_CACHE", str(tmp_path / "cache"))
    manifest = batch.load(catalogue(tmp_path, "routines: [routines/*.yaml]\nvariants: {pace: [gentle, brisk]}\n",
                                        {"tiny": TINY, "small": SMALL}))
    output = batch.Output(tmp_path / "out")
    plan = batch.plan(manifest, output)
    ticks = []
    for group in plan.lines:
        assert group.missing == group.lines  # an empty cache
        executor.speak(group.voicing, list(group.missing), lambda: ticks.append(1))
        voices = group.voicing.speech()
        assert all(clips.load(voices.path(text)) is not None for text in group.lines)
    assert len(ticks) == sum(len(group.lines) for group in plan.lines)

    (output.folder / "tiny-brisk.mp3").mkdir(parents=True)  # where one session's MP3 goes, a folder
    outcomes = []
    executor.assemble(list(plan.jobs), output, outcomes.append)
    assert sorted(outcome.name for outcome in outcomes) == ["small-brisk", "small-gentle", "tiny-brisk", "tiny-gentle"]
    for outcome in outcomes:
        if outcome.name == "tiny-brisk":
            assert outcome.mp3 is None and "Is a directory" in outcome.error
        else:
            assert outcome.error is None and Path(outcome.mp3) == output.folder / f"{outcome.name}.mp3"
            assert_whole(output.folder, outcome.name)


def test_ray_alone_starts_a_runtime_of_its_own_and_makes_the_catalogue(tmp_path):
    manifest = catalogue(tmp_path, "routines: [routines/small.yaml]\nvariants: {pace: [gentle, brisk]}\n",
                         {"small": SMALL})
    result = run_cli("batch", manifest, "-o", tmp_path / "out", "--ray", "--workers", "1",
                     env={**RAY_ENV, "PILATES_AUDIO_CACHE": str(tmp_path / "cache")})
    assert result.code == 0, result.stderr
    assert "made 2, skipped 0 (up to date), failed 0" in result.stderr
    for name in ("small-gentle", "small-brisk"):
        assert_whole(tmp_path / "out", name)
