"""Grading on a Dask cluster: `backprop-course autograde ASSIGNMENT --scheduler tcp://HOST:PORT`.

One task per submission: its recording job (the learner's cells, the staged files, the student's
seed and the phases: plain data, never the course secret) and the test cells to judge. A worker
records it in its own bubblewrap sandbox, judges the record with its copy of this package, and
returns the outcome as plain data; this process stores it and, at the end, nbgrader's own step
writes the gradebook here. Dask reruns the task of a worker that dies on another worker, so a
lost worker loses no submission.

Imported only with `--scheduler`: a local run never imports Dask.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from autograder.engine import jail, notebook_grading, results
from autograder.engine.batch_worker import BatchError, Job, grader_failure, prepare
from autograder.engine.notebook_grading import ExerciseResult, NotebookOutcome, TestCell

PACKAGE = Path(__file__).resolve().parents[1]  # autograder/


class ClusterError(BatchError):
    """The scheduler cannot be reached, or a worker is not ready (a clear message, exit 2)."""


def fingerprint() -> str:
    """A hash of the grader's sources: two machines grade alike iff it matches."""
    h = hashlib.sha256(notebook_grading.GRADER_VERSION.encode())
    for f in sorted(PACKAGE.rglob("*.py")):
        h.update(str(f.relative_to(PACKAGE)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _package_version() -> str:
    try:
        return version("backprop-course")
    except PackageNotFoundError:
        return "not installed"


def worker_status() -> dict:
    """Run on each worker: its grader version and whether its sandbox works."""
    try:
        jail.check()
        sandbox = None
    except jail.SandboxUnavailable as exc:
        sandbox = str(exc)
    return {"version": _package_version(), "fingerprint": fingerprint(), "sandbox": sandbox}


def grade_task(job: dict, cells: list[dict], sandbox: bool) -> dict:
    """Run on a worker: record one submission in the sandbox (the worker thread's warm one) and judge it."""
    ran = notebook_grading.record(job, sandbox=sandbox, warm=jail.warm_sandbox() if sandbox else None)
    outcome = notebook_grading.judge(job, [TestCell(**c) for c in cells], ran)
    return dataclasses.asdict(outcome)


def outcome_from(data: dict) -> NotebookOutcome:
    return NotebookOutcome([ExerciseResult(**r) for r in data["results"]], data["stopped"], data["cell_problems"],
                           data["sandbox_seconds"])


def connect(address: str, sandbox: bool):
    """A client of the scheduler at `address`, once every worker is checked ready."""
    from distributed import Client

    try:
        client = Client(address, timeout=15)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        statuses = client.run(worker_status)
    except Exception as exc:  # noqa: BLE001  (a worker without this package fails to unpickle the call)
        client.close()
        raise ClusterError(f"a worker of {address} cannot run the grader: {type(exc).__name__}: {exc}. "
                           "Install this package on every worker (pip install 'backprop-course[dask]').") from None
    if not statuses:
        client.close()
        raise ClusterError(f"the Dask scheduler at {address} has no workers; start some with "
                           f"`dask worker {address} --nthreads 1`")
    here, problems = fingerprint(), []
    names = {address: info.get("name") for address, info in client.scheduler_info().get("workers", {}).items()}
    for address, status in sorted(statuses.items()):
        worker = f"worker {names.get(address) or '?'} ({address})"
        if status["fingerprint"] != here:
            problems.append(f"{worker} runs another grader (version {status['version']}, fingerprint "
                            f"{status['fingerprint']}; this machine: {_package_version()}, {here})")
        elif sandbox and status["sandbox"]:
            problems.append(f"{worker} cannot sandbox: {status['sandbox']}")
    if problems:
        client.close()
        raise ClusterError("workers not ready:\n  " + "\n  ".join(problems))
    return client


def _dask_command() -> str:
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if dask is None:
        raise ClusterError("the `dask` command is not installed (pip install 'backprop-course[dask]')")
    return dask


class LocalProcesses:
    """A real `dask scheduler` and `dask worker` processes on this machine, as an instructor would
    start them (one thread each, no nanny, so killing a worker's process is losing it). For the
    tests and the benchmark; `with LocalProcesses(2, folder) as cluster: cluster.address`."""

    def __init__(self, workers: int, folder: Path) -> None:
        self.folder, self.count = Path(folder), workers
        self.scheduler: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.address = ""

    def _start(self, args: list[str], log: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen([_dask_command(), *args], stdout=(self.folder / log).open("w"),
                                stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, **(env or {})})

    def __enter__(self) -> LocalProcesses:
        self.folder.mkdir(parents=True, exist_ok=True)
        info = self.folder / "scheduler.json"
        info.unlink(missing_ok=True)
        self.scheduler = self._start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", ":0",
                                      "--scheduler-file", str(info)], "scheduler.log")
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        if not info.exists():
            self.__exit__()
            raise ClusterError(f"the Dask scheduler did not start (see {self.folder / 'scheduler.log'})")
        self.address = json.loads(info.read_text())["address"]
        for k in range(self.count):
            self.add_worker(f"w{k}")
        self.wait_for(self.count)
        return self

    def wait_for(self, workers: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(workers, timeout=60)

    def add_worker(self, name: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start one more worker, with `env` over this process's environment (e.g. another PYTHONPATH)."""
        proc = self._start(["worker", self.address, "--nthreads", "1", "--no-nanny", "--name", name,
                            "--local-directory", str(self.folder / name), "--dashboard-address", ":0"],
                           f"worker-{name}.log", env)
        self.workers.append(proc)
        return proc

    def kill_worker(self, index: int = 0) -> None:
        """SIGKILL a worker's process: no goodbye to the scheduler."""
        os.killpg(self.workers[index].pid, signal.SIGKILL)
        self.workers[index].wait()

    def __exit__(self, *exc) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)


def grade_on_cluster(address: str, config, todo: list[Job], summary: dict, bar, on_graded, writer) -> None:
    """Send each submission's recording to the Dask cluster at `address`; store outcomes as they come."""
    from distributed import as_completed as completed



    client = connect(address, todo[0].sandbox)
    try:
        futures = {}
        for job in todo:
            name = f"{job.student}/{Path(job.notebook).stem}"
            started = time.monotonic()
            try:
                prepared = prepare(config, job)
            except Exception as exc:  # noqa: BLE001  (one broken submission never stops the batch)
                prepared = exc
            summary["prepare_seconds"] = summary.get("prepare_seconds", 0.0) + time.monotonic() - started
            if prepared is None or isinstance(prepared, Exception):
                if prepared is not None:
                    summary["problems"].append(f"{name}: {type(prepared).__name__}: {prepared}")
                summary["graded"] += 1
                bar.update(1)
                writer.graded(job.student)
                continue
            stored, wanted, recording, cells, notes = prepared
            future = client.submit(grade_task, recording, [dataclasses.asdict(c) for c in cells], job.sandbox,
                                   key=f"grade-{job.assignment}-{name}-{wanted[:12]}", pure=False)
            futures[future] = (job.student, name, stored, wanted, notes)
        for future in completed(list(futures)):
            student, name, stored, wanted, notes = futures[future]
            failed = False
            try:
                outcome = outcome_from(future.result())
                outcome.notes = notes
                results.save(stored, wanted, outcome)
            except notebook_grading.GraderFailed as exc:  # (raised on the worker, re-raised here by Dask)
                results.discard(stored)
                summary["problems"].append(f"{name}: {grader_failure(exc)}")
                failed = True
            except Exception as exc:  # noqa: BLE001
                summary["problems"].append(f"{name}: the cluster could not grade it: {type(exc).__name__}: {exc}")
            summary["graded"] += 1
            bar.update(1)
            bar.set_postfix(failures=len(summary["problems"]))
            if on_graded:
                on_graded(summary["graded"])
            writer.graded(student, failed)
    finally:
        client.close()
