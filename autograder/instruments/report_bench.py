"""`backprop-course bench --report N`: how long the cohort report takes for N learners × 7 assignments.

Builds a synthetic course: a real nbgrader gradebook (one notebook per assignment, one grade cell per
exercise, N learners' scores, written in bulk), the grader's stored results (per exercise: score,
diagnoses drawn from the catalogue's names, feedback), and each learner's submitted notebook (solution
code from a pool of styles, with names changed, and a few copies). Then times `report.build` on it.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

from autograder import assignments
from autograder.engine.results import STORE
from autograder.tools import report
from autograder.tools.course import ASSIGNMENTS

MISTAKES = ["missing factor 2", "sign flip", "sigmoid derivative at z", "swapped W1 indices", "stale W2",
            "summed over the batch", "parameters never kept", "extra factor x[j]", "off by a factor 0.5",
            "one epoch short", "transposed", "missing link dA"]
LINES = [  # statements a learner's solution cells are made of: each learner draws their own mix
    "d = {k} * (y_hat - y)", "g = d * cache['h']", "out = {{}}", "for j in range({k}):", "out[j] = y_hat - y",
    "return {{n: p[n] - lr * g[n] for n in p}}", "losses.append((a - b) ** 2)", "H = sigmoid(X @ W1 + b1)",
    "dZ = dA * A * (1 - A)", "dW = A_prev.T @ dZ / {k}", "db = dZ.sum(axis=0)", "L = np.mean((Y - Y_hat) ** 2)",
    "params = update(params, grads, lr)", "for e in range(epochs):", "grads = backward(y, y_hat, cache, params)",
    "z1 = x @ W1 + b1", "h = np.tanh(z1)", "dh = dz2 * W2", "dz1 = dh * h * (1 - h)", "dW1 = np.outer(x, dz1)",
    "assert np.isfinite(L)", "y_hat = float(z2)", "cache = {{'x': x, 'z1': z1}}", "total += loss(y_i, y_hat)",
    "epoch_losses[e] = total / {k}", "w = w - lr * dw", "b = b - lr * db", "print(e, L)", "return losses, params",
]


def _code(rng: random.Random) -> str:
    picked = rng.sample(LINES, 8)
    return "def solution(X, y, params, lr):\n" + "\n".join(
        "    " + line.format(k=rng.randint(1, 99)) for line in picked) + "\n"


def _exercises(assignment: str) -> list[str]:
    return list(assignments.get(assignment).exercises) or [f"Q{k:02d}" for k in range(1, 8)]


def build_course(root: Path, learners: int, seed: int = 0) -> None:
    from nbgrader.api import Grade, Gradebook, Student, SubmittedAssignment, SubmittedNotebook
    from sqlalchemy import insert

    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    # nbgrader creates a gradebook by running `alembic`, found on PATH: the one beside this Python
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    (root / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "bench"\n')
    students = [f"s{k:05d}" for k in range(learners)]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.db.execute(insert(Student.__table__), [{"id": s} for s in students])
        gb.db.commit()
        for a in ASSIGNMENTS:
            gb.add_assignment(a)
            gb.add_notebook(a, a)
            cells = [gb.add_grade_cell(f"test_{e}", a, a, max_score=2.0, cell_type="code") for e in _exercises(a)]
            sa_rows, sn_rows, grade_rows, submitted = [], [], [], []
            assignment_id = gb.find_assignment(a).id
            notebook_id = gb.find_notebook(a, a).id
            for s in students:
                if rng.random() < 0.04 * (ASSIGNMENTS.index(a) + 1) / 2:
                    continue  # the funnel: fewer submit the later assignments
                sa_id, sn_id = f"sa{a}{s}", f"sn{a}{s}"
                sa_rows.append({"id": sa_id, "assignment_id": assignment_id, "student_id": s})
                sn_rows.append({"id": sn_id, "assignment_id": sa_id, "notebook_id": notebook_id})
                results = []
                for cell, e in zip(cells, _exercises(a), strict=True):
                    r = rng.random()
                    score = 2.0 if r < 0.6 else 0.0 if r < 0.9 else 1.0
                    diagnoses = [rng.choice(MISTAKES)] if 0.6 <= r < 0.85 else []
                    grade_rows.append({"id": f"g{a}{s}{e}", "cell_id": cell.id, "notebook_id": sn_id,
                                       "auto_score": score, "needs_manual_grade": False})
                    text = f"{e}: {score:g} / 2 points\n  ✗ values\n      expected [0.5]\n      got      [1]"
                    if diagnoses:
                        text += f"\n      This matches a known mistake: {diagnoses[0]}. A synthetic explanation."
                    results.append({"grade_id": f"test_{e}", "exercise": e, "points": 2.0, "score": score,
                                    "feedback": text, "diagnoses": diagnoses})
                stopped = "ran longer than 60 s" if rng.random() < 0.01 else None
                submitted.append((s, results, stopped))
            gb.db.execute(insert(SubmittedAssignment.__table__), sa_rows)
            gb.db.execute(insert(SubmittedNotebook.__table__), sn_rows)
            gb.db.execute(insert(Grade.__table__), grade_rows)
            gb.db.commit()
            previous = ""
            for s, results, stopped in submitted:
                store = root / STORE / a / s
                store.mkdir(parents=True, exist_ok=True)
                outcome = {"results": results, "stopped": stopped, "cell_problems": [],
                           "sandbox_seconds": rng.uniform(0.5, 3.0)}
                (store / f"{a}.json").write_text(json.dumps({"key": "synthetic", "outcome": outcome}))
                folder = root / "submitted" / s / a
                folder.mkdir(parents=True, exist_ok=True)
                code = _code(rng)
                if previous and rng.random() < 0.01:  # a copy of the previous learner's
                    code = previous
                previous = code
                nb = {"cells": [{"cell_type": "code", "source": code, "metadata": {"nbgrader": {"solution": True}},
                                 "outputs": [], "execution_count": None}], "metadata": {}, "nbformat": 4,
                      "nbformat_minor": 5}
                (folder / f"{a}.ipynb").write_text(json.dumps(nb))


def run(workdir: Path, learners: int = 5000) -> str:
    started = time.monotonic()
    build_course(workdir, learners)
    built = time.monotonic() - started
    started = time.monotonic()
    page, summary = report.build(workdir)
    seconds = time.monotonic() - started
    size = page.stat().st_size / 1e6
    return (f"synthetic course: {learners} learners × {len(ASSIGNMENTS)} assignments (built in {built:.0f} s)\n"
            f"{summary}\n"
            f"report: {seconds:.1f} s ({seconds / 60:.2f} of the one-minute budget); page {size:.1f} MB: {page}")
