"""`backprop-course bench`: the two autograding doors on the same submissions, timed.

Builds one course with N submissions of an assignment in a class's shares (`class_mix`: correct,
planted mistakes, untouched, an endless loop, an exception and, for the 2-2-1 assignments, each
misbehaving sample once), then
1. `nbgrader autograde` (serial; learner code in the sandbox, judged by the grader);
2. `backprop-course autograde` on the same course from scratch (results and marks removed);
3. each notebook's code cells executed alone in a fresh `python` process, as many at once as
   workers, with no grading at all (what running the learner's code costs);
4. with `--in-kernel`, stock `nbgrader autograde` as shipped (nbgrader's Execute: everything in a
   Jupyter kernel, as this course graded before the sandbox; nbgrader's own steps, none of the course's
   speed-ups), timed only;
checks that both doors give every student the same score, and prints seconds per notebook and ratios.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from autograder.engine import batch, notebook_grading, results
from autograder.instruments.samples import BAD, DEMO, MISBEHAVING_TARGETS, SAMPLES, Sample, append, solution_code
from autograder.sandboxed.run import CELL_SECONDS
from autograder.tools.course import Course

RUN_CELLS = f"""import json, signal, sys
def stop(*_):
    raise TimeoutError
signal.signal(signal.SIGALRM, stop)
for source in json.load(sys.stdin):
    try:
        signal.alarm({CELL_SECONDS:g})  # the sandbox's limit per cell
        exec(compile(source, "<cell>", "exec"), globals())
    except BaseException:
        pass
    finally:
        signal.alarm(0)
"""


# A class as it hands in work: of every 200, 120 correct (the solution and the corpus's correct styles),
# 60 with planted mistakes (the corpus's wrong styles), 18 untouched, one endless loop, one exception;
# the 2-2-1 assignments also get each misbehaving sample once (floods, deleted cells, patched numpy, …).
MIX = {"correct": 120, "mistakes": 60, "untouched": 18, "endless loop": 1, "exception": 1}


def _first_solution(assignment: str) -> str:
    source = Path(__file__).resolve().parents[2] / "source" / assignment / f"{assignment}.ipynb"
    return next(iter(solution_code(nbformat.read(source, as_version=4))))


def class_mix(assignment: str, students: int) -> list[tuple[str, Sample]]:
    """(kind, sample) for each of `students` learners: MIX's shares, each kind cycling through its styles,
    in a shuffled (seeded) order so slow submissions are not bunched."""
    import random

    from autograder.instruments.corpus import ENTRIES

    entries = [e for e in ENTRIES if e.assignment == assignment]
    first = _first_solution(assignment)
    styles = {
        "correct": [SAMPLES["ada"]] + [e.sample() for e in entries if e.correct],
        "mistakes": [SAMPLES["cy"]] + [e.sample() for e in entries if not e.correct],
        "untouched": [SAMPLES["ben"]],
        "endless loop": [Sample("loop", "an endless loop", edits={assignment: (append(first, "while True:\n    pass"),)})],
        "exception": [Sample("raise", "raises", edits={assignment: (append(first, "raise RuntimeError('oops')"),)})],
    }
    counts = {kind: max(1, round(share * students / sum(MIX.values()))) for kind, share in MIX.items()}
    if assignment in MISBEHAVING_TARGETS:  # in place of as many correct ones
        counts["misbehaving"] = len(BAD)
        counts["correct"] -= len(BAD)
        styles["misbehaving"] = list(BAD)
    while sum(counts.values()) > students:  # a small class: the rare kinds stay, the largest shrinks
        counts[max(counts, key=counts.get)] -= 1
    counts["correct"] += students - sum(counts.values())
    kinds = [kind for kind, count in counts.items() for _ in range(count)]
    random.Random(8).shuffle(kinds)
    seen: dict[str, int] = {}
    out = []
    for kind in kinds:
        k = seen[kind] = seen.get(kind, -1) + 1
        out.append((kind, styles[kind][k % len(styles[kind])]))
    return out


def _submit(course: Course, assignment: str, students: int) -> tuple[list[Path], dict[str, int]]:
    release = course.root / "release" / assignment / f"{assignment}.ipynb"
    source = course.root / "source" / assignment / f"{assignment}.ipynb"
    paths, counts = [], {}
    for k, (kind, sample) in enumerate(class_mix(assignment, students)):
        sid = f"s{k:03d}"
        dest = course.root / "submitted" / sid / assignment
        dest.mkdir(parents=True)
        dataclasses.replace(sample, student=sid).make(assignment, release, source, dest / f"{assignment}.ipynb")
        paths.append(dest / f"{assignment}.ipynb")
        counts[kind] = counts.get(kind, 0) + 1
    return paths, counts


def _run_alone(paths: list[Path], jobs: int) -> float:
    """Each notebook's learner cells in a fresh python, `jobs` at a time, each cell stopped after 15 s
    (CELL_SECONDS) as in the sandbox: no sandbox, no recording, no judging, no gradebook (what the code alone costs)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(path: Path) -> None:
        cells = [c["source"] for c in notebook_grading.learner_cells(nbformat.read(path, as_version=4))]
        try:
            subprocess.run([sys.executable, "-c", RUN_CELLS], input=json.dumps(cells), text=True, cwd=path.parent,
                           capture_output=True, timeout=120, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
        except subprocess.TimeoutExpired:
            pass

    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, paths))
    return time.perf_counter() - start


def _busy_seconds() -> float:
    """CPU-seconds this machine has spent busy since boot, all processes (from /proc/stat): sandboxed
    processes are not children the grader waits for, so its own rusage would miss them."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    return (sum(ticks) - ticks[3] - (ticks[4] if len(ticks) > 4 else 0)) / os.sysconf("SC_CLK_TCK")


def sandbox_breakdown(root: Path, assignment: str) -> str:
    """Where the workers' time went, from the stored results: seconds in the sandbox (learner code
    and recording), the median notebook's, and the share of those that were stopped by a time limit."""
    from statistics import median

    seconds, limited = [], []
    for path in sorted((root / results.STORE / assignment).glob("*/*.json")):
        outcome = json.loads(path.read_text())["outcome"]
        seconds.append(outcome["sandbox_seconds"])
        if "longer than" in json.dumps([outcome["stopped"], outcome["cell_problems"]]):
            limited.append(outcome["sandbox_seconds"])
    if not seconds:
        return "no stored results"
    return (f"{sum(seconds):.1f} s in sandboxes, median {median(seconds):.3f} s per notebook; {len(limited)} "
            f"stopped by a time limit took {sum(limited):.1f} s of it")


STOCK_PIPELINE = [  # nbgrader's own autograde steps: Execute runs the notebook, test cells and all, in a kernel
    "nbgrader.preprocessors.Execute", "nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata"]
STOCK_SANITIZE = [  # nbgrader's own sanitizing, but DeduplicateCells: its DeduplicateIds fails a duplicated cell's student
    "nbgrader.preprocessors.ClearOutput", "autograder.engine.nbgrader_steps.DeduplicateCells",
    "nbgrader.preprocessors.OverwriteKernelspec", "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata"]


def _stock_autograde(course: Course, assignment: str) -> float:
    """Stock `nbgrader autograde` as shipped (its Execute in place of our sandbox, its own sanitizing and
    saving, none of the course's speed-ups: `BACKPROP_NBGRADER_AS_SHIPPED` keeps nbgrader_config.py from
    installing them): what grading cost before the sandbox, when the hidden checks ran inside the
    learner's kernel. Timed only: its grades are not this course's (learner code ran with the
    instructor's rights)."""
    def listed(names: list[str]) -> str:
        return "[" + ",".join(repr(p) for p in names) + "]"

    os.environ["BACKPROP_NBGRADER_AS_SHIPPED"] = "1"
    start = time.perf_counter()
    try:
        course.run("autograde", assignment, "--force", f"--Autograde.autograde_preprocessors={listed(STOCK_PIPELINE)}",
                   f"--Autograde.sanitize_preprocessors={listed(STOCK_SANITIZE)}",
                   "--Exporter.optimistic_validation=False")
    finally:
        del os.environ["BACKPROP_NBGRADER_AS_SHIPPED"]
    return time.perf_counter() - start


def run(workdir: Path, assignment: str = "regression", students: int = 20, jobs: int | None = None,
        in_kernel: bool = False) -> str:
    course = Course.create(workdir / "course")
    course.generate(assignment)
    paths, counts = _submit(course, assignment, students)

    start = time.perf_counter()
    course.autograde(assignment)
    door1 = time.perf_counter() - start
    scores1 = batch.scores(course.root, assignment)

    shutil.rmtree(course.root / ".backprop-grader", ignore_errors=True)
    busy, start = _busy_seconds(), time.perf_counter()
    summary = batch.autograde(course.root, assignment, jobs=jobs, progress=False)
    door2 = time.perf_counter() - start
    busy = _busy_seconds() - busy
    scores2 = batch.scores(course.root, assignment)

    alone = _run_alone(paths, jobs or os.cpu_count() or 1)
    stock = _stock_autograde(course, assignment) if in_kernel else None
    same = scores1 == scores2 and len(scores1) == students
    differ = {k: (scores1.get(k), scores2.get(k)) for k in scores1 if scores1.get(k) != scores2.get(k)}
    n = students
    return "\n".join([
        f"{assignment}: {n} submissions ({', '.join(f'{v} {k}' for k, v in counts.items())}), "
        f"{jobs or 'all'} cores for backprop-course autograde",
        f"  nbgrader autograde          : {door1:7.1f} s  {door1 / n:6.3f} s per notebook",
        f"  backprop-course autograde   : {door2:7.1f} s  {door2 / n:6.3f} s per notebook "
        f"(nbgrader's gradebook step took {summary['record_seconds']:.1f} s of the workers' time)",
        f"  its workers' sandboxes      : {sandbox_breakdown(course.root, assignment)}",
        f"  this machine's CPUs         : {busy:7.1f} CPU-s busy of {door2 * (os.cpu_count() or 1):.1f} "
        f"({busy / n:.3f} CPU-s per notebook) while backprop-course autograde ran",
        f"  learner code alone          : {alone:7.1f} s  {alone / n:6.3f} s per notebook (fresh python each, as many "
        f"at once as workers, 15 s per cell)",
        *([f"  stock nbgrader, in-kernel   : {stock:7.1f} s  {stock / n:6.3f} s per notebook "
           "(nbgrader as shipped; its Execute: learner code and the hidden checks in a Jupyter kernel, as before "
           "the sandbox)",
           f"  speed-up over stock nbgrader: {stock / door2:7.2f}×"] if stock is not None else []),
        f"  speed-up over nbgrader      : {door1 / door2:7.2f}×",
        f"  overhead over code alone    : {door2 / alone:7.2f}×",
        f"  identical scores            : {'yes' if same else f'NO: {differ}'}",
    ])


def cluster_run(workdir: Path, assignment: str = "regression", students: int = 24) -> str:
    """Sandbox + judge throughput: local worker processes against a real Dask scheduler with 1 and
    2 workers (one thread each) on this machine, on the same submissions (the demo's mix)."""
    from autograder.engine import cluster

    course = Course.create(workdir / "course")
    course.generate(assignment)
    release = course.root / "release" / assignment / f"{assignment}.ipynb"
    source = course.root / "source" / assignment / f"{assignment}.ipynb"
    for k in range(students):
        dest = course.root / "submitted" / f"s{k:03d}" / assignment
        dest.mkdir(parents=True)
        DEMO[k % len(DEMO)].make(assignment, release, source, dest / f"{assignment}.ipynb")
    timings, scores, prepared = {}, {}, {}
    runs = [("local, 1 process", 1, None), ("local, 2 processes", 2, None), ("dask, 1 worker", None, 1),
            ("dask, 2 workers", None, 2)]
    for label, jobs, workers in runs:
        shutil.rmtree(course.root / ".backprop-grader", ignore_errors=True)
        if workers:
            with cluster.LocalProcesses(workers, workdir / f"dask-{workers}") as running:
                summary = batch.autograde(course.root, assignment, progress=False, scheduler=running.address)
        else:
            summary = batch.autograde(course.root, assignment, jobs=jobs, progress=False)
        timings[label] = summary["grade_seconds"]
        if workers:
            prepared[label] = summary.get("prepare_seconds", 0.0)
        scores[label] = batch.scores(course.root, assignment)
    n = students
    same = all(s == scores["local, 1 process"] for s in scores.values())
    lines = [f"{assignment}: {n} submissions (the demo's mix), sandbox + judge only (the gradebook step is the same "
             f"local nbgrader run in every case)"]
    lines += [f"  {label:22}: {t:6.1f} s  {n / t:5.2f} notebooks/s"
              + (f"  (of which {prepared[label]:.1f} s sanitizing and sending here)" if label in prepared else "")
              for label, t in timings.items()]
    lines += [f"  2 workers / 1 worker  : {timings['dask, 1 worker'] / timings['dask, 2 workers']:6.2f}× throughput",
              f"  cluster overhead      : {(timings['dask, 1 worker'] - timings['local, 1 process']) / n:+6.3f} s per "
              f"submission (dask 1 worker against 1 local process)",
              f"  identical scores      : {'yes' if same else 'NO'}"]
    return "\n".join(lines)


def local_check(workdir: Path, runs: int = 3) -> str:
    """The learner's local check (`python -m pytest` in an assignment folder of the release, solved as
    the instructor's solution), timed per assignment: the best and the median of `runs` runs, wall
    clock, a fresh process each time, as a learner runs it."""
    from statistics import median

    from autograder.instruments.samples import SAMPLES
    from autograder.tools.course import ASSIGNMENTS

    repo = Path(__file__).resolve().parents[2]
    lines = [f"{'assignment':<16}{'best':>8}{'median':>9}  (python -m pytest in a solved release folder, {runs} runs)"]
    for a in ASSIGNMENTS:
        folder = workdir / a
        shutil.copytree(repo / "release" / a, folder)
        nb = folder / f"{a}.ipynb"
        SAMPLES["ada"].make(a, nb, repo / "source" / a / f"{a}.ipynb", nb)
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=folder,
                                  capture_output=True, text=True, check=False)
            seconds.append(time.perf_counter() - started)
            if done.returncode != 0:
                raise RuntimeError(f"the local check of the solved {a} failed:\n{done.stdout[-2000:]}")
        lines.append(f"{a:<16}{min(seconds):>7.2f}s{median(seconds):>8.2f}s")
    return "\n".join(lines)
