"""`backprop-course autograde --scheduler`: the same grading on a real Dask cluster (a `dask
scheduler` and two `dask worker` processes on localhost, one thread each): identical scores and
feedback to the local run, a worker killed half way loses nothing, unready workers are named."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.engine import batch, cluster, notebook_grading
from autograder.instruments.samples import BAD, DEMO
from autograder.tools.cli import main
from autograder.tools.course import Course

ASSIGNMENT = "regression"
MIX = DEMO + DEMO + tuple(s for s in BAD if s.student in ("eve", "hal"))  # 8 submissions


def _results(root: Path) -> dict:
    """Every stored outcome (scores and feedback of each exercise), without the timings."""
    out = {}
    for path in sorted((root / ".backprop-grader" / "results" / ASSIGNMENT).rglob("*.json")):
        outcome = json.loads(path.read_text())["outcome"]
        outcome.pop("sandbox_seconds")
        out[path.parent.name] = outcome
    return out


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """A course with 8 submissions, graded locally: (course root, scores, outcomes)."""
    course = Course.create(tmp_path_factory.mktemp("cluster") / "course")
    course.generate(ASSIGNMENT)
    release = course.root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    source = course.root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    for k, sample in enumerate(MIX):
        dest = course.root / "submitted" / f"s{k}-{sample.student}" / ASSIGNMENT
        dest.mkdir(parents=True)
        sample.make(ASSIGNMENT, release, source, dest / f"{ASSIGNMENT}.ipynb")
    notebook_grading.course_secret(course.root)  # one secret for every copy: the same hidden points
    pristine = course.root.parent / "pristine"
    shutil.copytree(course.root, pristine)
    summary = batch.autograde(course.root, ASSIGNMENT, progress=False)
    assert summary["problems"] == [] and summary["recorded"] == len(MIX)
    return pristine, batch.scores(course.root, ASSIGNMENT), _results(course.root)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    with cluster.LocalProcesses(2, tmp_path_factory.mktemp("dask")) as running:
        yield running


def _fresh_copy(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(pristine, root)
    return root


@pytest.mark.slow
def test_the_cluster_grades_exactly_as_the_local_run(local, dask_cluster, tmp_path):
    pristine, scores, outcomes = local
    root = _fresh_copy(pristine, tmp_path)
    summary = batch.autograde(root, ASSIGNMENT, progress=False, scheduler=dask_cluster.address)
    assert summary["problems"] == [] and summary["regraded"] == 0 and summary["recorded"] == len(MIX)
    assert batch.scores(root, ASSIGNMENT) == scores
    assert _results(root) == outcomes
    assert sorted(set(scores.values())) != [0.0]  # a real spread of grades, not all zeros
    # the course secret and the gradebook stayed here: the workers' folders hold neither
    leaked = [p for p in dask_cluster.folder.rglob("*") if p.name in (".backprop-secret", "gradebook.db")]
    assert leaked == []
    # resumable: a second run grades nothing again and keeps every stored result as it was
    stamps = {p: p.stat().st_mtime_ns for p in (root / ".backprop-grader").rglob("*.json")}
    again = batch.autograde(root, ASSIGNMENT, progress=False, scheduler=dask_cluster.address)
    assert again["skipped"] == len(MIX) and again["recorded"] == 0
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


@pytest.mark.slow
def test_a_worker_killed_half_way_loses_no_submission(local, tmp_path):
    pristine, scores, outcomes = local
    root = _fresh_copy(pristine, tmp_path)
    killed = []
    with cluster.LocalProcesses(2, tmp_path / "dask") as running:
        def kill_after_first(graded: int) -> None:
            if graded == 1 and not killed:
                running.kill_worker(0)
                killed.append(running.workers[0].returncode)

        summary = batch.autograde(root, ASSIGNMENT, progress=False, scheduler=running.address,
                                  on_graded=kill_after_first)
        assert killed and running.workers[1].poll() is None  # one worker gone, the other one finished the batch
    assert summary["problems"] == [] and summary["recorded"] == len(MIX)
    assert batch.scores(root, ASSIGNMENT) == scores
    assert _results(root) == outcomes


def _autograde_with_extra_worker(dask_cluster, root: Path, name: str, env: dict[str, str]) -> int:
    """Run `backprop-course autograde --scheduler` while one more worker, started with `env`, is up."""
    worker = dask_cluster.add_worker(name, env=env)
    try:
        dask_cluster.wait_for(3)
        return main(["autograde", ASSIGNMENT, "--course", str(root), "--scheduler", dask_cluster.address, "--quiet"])
    finally:
        worker.kill()
        worker.wait()
        dask_cluster.workers.remove(worker)


@pytest.mark.slow
def test_a_worker_with_another_grader_is_named_before_any_work(local, dask_cluster, tmp_path, capsys):
    pristine, _, _ = local
    root = _fresh_copy(pristine, tmp_path)
    other = tmp_path / "other-grader"
    shutil.copytree(Path(cluster.__file__).parents[1], other / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    grading = other / "autograder" / "engine" / "notebook_grading.py"
    grading.write_text(grading.read_text().replace('GRADER_VERSION = "', 'GRADER_VERSION = "old-'))
    assert _autograde_with_extra_worker(dask_cluster, root, "stale", {"PYTHONPATH": str(other)}) == 2
    err = capsys.readouterr().err
    assert "workers not ready" in err and "worker stale" in err and "runs another grader" in err
    assert "Traceback" not in err
    assert not (root / ".backprop-grader" / "results").exists()  # nothing was sent, nothing graded


@pytest.mark.slow
def test_a_worker_that_cannot_sandbox_is_named_before_any_work(local, dask_cluster, tmp_path, capsys):
    pristine, _, _ = local
    root = _fresh_copy(pristine, tmp_path)
    no_bwrap = {"PATH": str(tmp_path / "empty")}  # nothing to find on it
    assert _autograde_with_extra_worker(dask_cluster, root, "nobwrap", no_bwrap) == 2
    err = capsys.readouterr().err
    assert "worker nobwrap" in err and "cannot sandbox" in err and "bubblewrap" in err
    assert "worker w0" not in err and "worker w1" not in err  # the ready ones are not accused
    assert not (root / ".backprop-grader" / "results").exists()


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_error(local, tmp_path, capsys):
    pristine, _, _ = local
    root = _fresh_copy(pristine, tmp_path)
    assert main(["autograde", ASSIGNMENT, "--course", str(root), "--scheduler", "tcp://127.0.0.1:9", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err and "Traceback" not in err


@pytest.mark.slow
def test_a_local_run_never_imports_dask():
    code = ("import sys; from autograder.engine import batch; from autograder.tools import cli; "
            "assert not any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules), 'dask imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
