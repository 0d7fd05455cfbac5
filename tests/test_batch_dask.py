"""Batch solves on a running Dask cluster (`--scheduler`): a scheduler and two workers,
each started as its own process with the `dask` command line, stopped afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pkplanner.batch.run import run_batch
from pkplanner.errors import InputError
from tests.test_batch import (
    GRID_RUNS,
    GRID_SPEC,
    MC_SPEC,
    content,
    reference_grid,
    runs_of,
    write_spec,
)

DASK = str(Path(sys.executable).with_name("dask"))

pytest.importorskip("distributed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process we started, and its children (it leads its own session)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


class Cluster:
    def __init__(self) -> None:
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.workers: list[subprocess.Popen[bytes]] = []

    def start(self, n_workers: int = 2) -> None:
        self.procs.append(self._spawn([DASK, "scheduler", "--host", "127.0.0.1", "--port",
                                       str(self.port), "--no-dashboard"]))
        for _ in range(n_workers):
            w = self._spawn([DASK, "worker", self.address, "--nworkers", "1", "--nthreads", "1",
                             "--no-dashboard", "--host", "127.0.0.1"])
            self.procs.append(w)
            self.workers.append(w)
        self.wait_for(n_workers)

    def _spawn(self, cmd: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, cwd="/")

    def wait_for(self, n: int) -> None:
        from distributed import Client
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(self.address, timeout="5s", set_as_default=False) as c:
                    c.wait_for_workers(n, timeout=60)
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def stop(self) -> None:
        for p in reversed(self.procs):
            stop(p)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    c = Cluster()
    try:
        c.start(2)
        yield c
    finally:
        c.stop()


def test_scheduler_runs_the_grid_like_local_workers(cluster: Cluster, tmp_path: Path,
                                                    tmp_path_factory: pytest.TempPathFactory
                                                    ) -> None:
    local = reference_grid(tmp_path_factory.mktemp("batch"))
    spec = write_spec(tmp_path, GRID_SPEC)
    summary = run_batch(spec, tmp_path / "out", scheduler=cluster.address, progress=False)
    assert summary.complete and summary.total == GRID_RUNS and summary.ran == GRID_RUNS
    assert "Dask scheduler" in summary.backend and "2 workers" in summary.backend
    assert content(tmp_path / "out") == content(local)      # same rows, whoever solved them


def test_unreachable_scheduler_is_bad_input(tmp_path: Path) -> None:
    import dask
    spec = write_spec(tmp_path, {**GRID_SPEC, "grid": {}})
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}), \
            pytest.raises(InputError) as info:
        run_batch(spec, tmp_path / "out", scheduler=f"tcp://127.0.0.1:{free_port()}",
                  progress=False)
    assert str(info.value).startswith("error: --scheduler: tcp://127.0.0.1:")


def test_a_worker_killed_mid_batch_loses_nothing(cluster: Cluster, tmp_path: Path) -> None:
    """Kill one of the two workers while runs are in flight: the scheduler hands its work
    to the other one, and every run is stored exactly once. (Runs last: it kills a worker.)"""
    spec = write_spec(tmp_path, {**MC_SPEC, "objectives": ["cost", "acceptability"],
                                 "monte_carlo": {**MC_SPEC["monte_carlo"], "samples": 10}})
    seen: list[dict[str, Any]] = []
    victim = cluster.workers[0]

    def on_result(row: dict[str, Any]) -> None:
        seen.append(row)
        if len(seen) == 4:
            os.killpg(victim.pid, signal.SIGKILL)       # a crash, not a clean shutdown
            victim.wait(timeout=10)

    summary = run_batch(spec, tmp_path / "out", scheduler=cluster.address, progress=False,
                        on_result=on_result)
    assert victim.poll() is not None
    assert summary.complete and summary.total == 22 and summary.by_status["error"] == 0
    runs = runs_of(tmp_path / "out")
    assert len(runs) == 22 and len({r["run_key"] for r in runs}) == 22
    # and the interrupted batch, re-run, has nothing left to do
    again = run_batch(spec, tmp_path / "out", scheduler=cluster.address, progress=False)
    assert again.ran == 0 and again.skipped == 22
