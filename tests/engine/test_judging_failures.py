"""When judging fails, it is the grader's failure, loudly, and no one else's grade.

Recorded values come from the sandbox as JSON and are judged by the hidden checks in one pytest
session for many notebooks. A value nested ~960 levels deep used to parse, then break that session
(a RecursionError loading the probes: an INTERNALERROR), and every learner of the session got 0 with
"No hidden check ran", stored; a 200,000-deep line raised past the parser. Now: everything from the
sandbox is parsed with caps (`wire.loads_capped`), a probe over the caps is judged as "nested too
deeply / too large" for its case only (`grading.bounded`), a failing session is judged again notebook
by notebook, then probe by probe (`notebook_grading.judge_many`), and a notebook that still cannot be
judged gets nothing stored and makes both doors exit non-zero, naming it.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import assignments, grading
from autograder.assignments.common import points
from autograder.engine import notebook_grading, results

A = "regression"
EXERCISES = ("forward", "update")
MARKER = "judging-explodes-here"  # a learner's forward prints it; the forced failures below look for it


def _nested(depth: int):
    value = 0
    for _ in range(depth):
        value = [value]
    return value


@pytest.fixture(scope="module")
def honest():
    """A learner whose functions are right: the grader's own stand-in forward pass, the update rule."""
    fwd = assignments.standin("two_layer_forward")
    printed = {"on": False}

    def forward(x, params):
        if printed["on"]:
            print(MARKER)
        return fwd.forward(A, x, params)

    def update(params, grads, lr):
        return {name: params[name] - lr * grads[name] for name in params}

    namespace = {"forward": forward, "update": update}, printed
    notebook_grading.judge(*_notebook(namespace, "warm", 1))  # the process's first session imports the checks (≈ 1 s)
    return namespace


def _notebook(namespace, student: str, seed: int, marked: bool = False, tamper=None):
    """(job, test cells, what the sandbox recorded) of one notebook, recorded here at `seed`'s points."""
    ns, printed = namespace
    printed["on"] = marked
    try:
        with points.seeded(seed):
            probes = {ex: assignments.get(A).record(ex, ns, assignments.all_standins()) for ex in EXERCISES}
    finally:
        printed["on"] = False
    if tamper:
        tamper(probes)
    job = {"assignment": A, "seed": seed, "judging": {"learner": student, "classmates": []}}
    cells = [notebook_grading.TestCell(k, f"test_{ex}", A, ex, 1.0) for k, ex in enumerate(EXERCISES)]
    ran = {"messages": [{"exercise": ex, "probe": p} for ex, p in probes.items()], "stopped": None, "seconds": 0.0}
    return job, cells, ran


def _scores(outcome) -> dict:
    assert isinstance(outcome, notebook_grading.NotebookOutcome), outcome
    return {r.exercise: r.score for r in outcome.results}


def _feedback(outcome) -> str:
    return "\n".join(r.feedback for r in outcome.results)


FULL = dict.fromkeys(EXERCISES, 1.0)


# --- the wire --------------------------------------------------------------------------------------


def test_loads_capped_refuses_a_200000_deep_line_quickly_with_a_value_error():
    from autograder.engine import wire

    started = time.monotonic()
    for line in (b"[" * 200_000, b"[" * 200_000 + b"]" * 200_000, b'{"a":' * 200_000):
        with pytest.raises(wire.TooDeep) as caught:
            wire.loads_capped(line, max_depth=wire.LINE_DEPTH, max_bytes=wire.LINE_BYTES)
        assert isinstance(caught.value, ValueError)
    assert time.monotonic() - started < 0.5
    # within the caps it is json.loads; strings holding brackets do not count; the caps are the caller's
    assert wire.loads_capped(b'{"a": [[1, "]]]][[[["], {"b": "\\"["}]}', 3, 100) == {"a": [[1, "]]]][[[["], {"b": '"['}]}
    with pytest.raises(wire.TooDeep):
        wire.loads_capped(b"[[[0]]]", 2, 100)
    with pytest.raises(wire.TooLarge):
        wire.loads_capped(b"[0, 1, 2]", 64, 5)
    for bad in (b"[NaN]", b"\xff", b'"unterminated', b"{"):
        with pytest.raises(wire.NotJSON):
            wire.loads_capped(bad, 64, 100)
    # the learner host's lines: such a line stops its writer's recording, never raised past the parser
    # (tests/engine/test_learner_host.py grades one through the sandbox)


# --- one session, many notebooks ----------------------------------------------------------------------


def test_honest_probes_around_a_deeply_nested_one_in_one_session_get_their_scores(honest):
    def deep(probes):
        probes["forward"]["cases"][1]["ok"] = _nested(960)

    def large(probes):
        probes["forward"]["cases"][2]["ok"] = {"kind": "str", "value": "x" * (5 * 1024**2)}

    outcomes = notebook_grading.judge_many([
        _notebook(honest, "ada", 11),
        _notebook(honest, "deep", 12, tamper=deep),
        _notebook(honest, "big", 13, tamper=large),
        _notebook(honest, "zed", 14),
    ])
    ada, deep_one, big, zed = outcomes
    assert _scores(ada) == FULL and _scores(zed) == FULL
    assert _scores(deep_one) == {"forward": 0.0, "update": 1.0}  # its other exercise is judged as usual
    assert "Your forward() returned a value nested too deeply for the grader to read" in _feedback(deep_one)
    assert _scores(big) == {"forward": 0.0, "update": 1.0}
    assert "Your forward() returned a value too large for the grader to read" in _feedback(big)
    assert not any("No hidden check ran" in _feedback(o) for o in outcomes)


def test_a_probe_too_deep_outside_its_calls_results_is_judged_as_missing(honest):
    """Not a call's result (its `ok`): the whole exercise is judged as missing, saying why."""
    def deep(probes):
        probes["update"]["cases"][0]["mutated"] = _nested(300)

    ada, deep_one = notebook_grading.judge_many([_notebook(honest, "ada", 21), _notebook(honest, "deep", 22, tamper=deep)])
    assert _scores(ada) == FULL
    assert _scores(deep_one) == {"forward": 1.0, "update": 0.0}
    assert "The values your code returned for this exercise are nested too deeply" in _feedback(deep_one)


class _Exploding(grading._Collector):
    """The hidden checks' session breaks (an INTERNALERROR) whenever it holds a marked probe."""

    def pytest_collection_modifyitems(self, items):
        if any(MARKER in json.dumps(item.callspec.params.get("probe")) for item in items if hasattr(item, "callspec")):
            raise RuntimeError("forced: the hidden checks broke on this probe")


class _Dropping(grading._Collector):
    """The session runs, but no check runs on a marked probe."""

    def pytest_collection_modifyitems(self, items):
        items[:] = [i for i in items if not (hasattr(i, "callspec") and MARKER in json.dumps(i.callspec.params.get("probe")))]


@pytest.mark.parametrize("how", ["internal error", "loader refuses", "no result"])
def test_a_session_that_fails_is_judged_again_notebook_by_notebook(honest, monkeypatch, how):
    sessions, real = [], grading.run_all_checks

    def counted(probes):
        sessions.append(len(probes))
        return real(probes)

    monkeypatch.setattr(grading, "run_all_checks", counted)
    tamper = None
    if how == "internal error":
        monkeypatch.setattr(grading, "_Collector", _Exploding)
    elif how == "no result":
        monkeypatch.setattr(grading, "_Collector", _Dropping)
    else:  # a probe over the caps reaches the hidden checks' loader (as if `bounded` had let it through)
        monkeypatch.setattr(grading, "bounded", lambda probe: (probe, json.dumps(probe)), raising=False)

        def tamper(probes):
            probes["forward"]["cases"][1]["ok"] = _nested(40)

    outcomes = notebook_grading.judge_many([
        _notebook(honest, "ada", 31),
        _notebook(honest, "deep", 32, marked=how != "loader refuses", tamper=tamper),
        _notebook(honest, "zed", 33),
    ])
    ada, failed, zed = outcomes
    assert _scores(ada) == FULL and _scores(zed) == FULL
    assert isinstance(failed, notebook_grading.GraderFailed), failed
    why = {"internal error": "INTERNALERROR", "loader refuses": "exit status", "no result": "no hidden check ran"}[how]
    assert why in str(failed) and "'forward'" in str(failed), str(failed)
    # one session for all; then each notebook alone; then the failing one's probes one by one
    assert sessions == [6, 2, 2, 1, 2], sessions
    with pytest.raises(notebook_grading.GraderFailed):
        notebook_grading.judge(*_notebook(honest, "deep", 32, marked=how != "loader refuses", tamper=tamper))


# --- the two doors, on a real course ------------------------------------------------------------------

EXPLODE = f"""
# forced for the tests: the hidden checks' session breaks on a probe holding {MARKER!r}
from autograder import grading as _grading


class _Exploding(_grading._Collector):
    def pytest_collection_modifyitems(self, items):
        if any({MARKER!r} in str(i.callspec.params.get("probe")) for i in items if hasattr(i, "callspec")):
            raise RuntimeError("forced: the hidden checks broke on this probe")


_grading._Collector = _Exploding
"""


def _forge(line: str) -> str:
    """Learner code that writes `line` straight onto the recording's channel to the grader."""
    return f"""
import os as _os, stat as _stat
for _fd in _os.listdir('/proc/self/fd'):
    try:
        if _stat.S_ISFIFO(_os.fstat(int(_fd)).st_mode):
            _os.write(int(_fd), {line!r}.encode() + b"\\n")
    except OSError:
        pass
"""


MARKED_FORWARD = f"""
_real_forward = forward
def forward(x, params):
    print({MARKER!r})
    return _real_forward(x, params)
"""
DEEP_RECORD = '{"exercise": "forward", "probe": {"cases": [{"ok": ' + "[" * 40 + "0" + "]" * 40 + "}]}}"
STUDENTS = {  # sorted by id, so that with one worker "ada" and "broken" share a chunk (one judging session)
    "ada": None,
    "broken": MARKED_FORWARD,  # the grader cannot judge it: its session breaks even alone
    "deep": _forge(DEEP_RECORD),  # a forged record 44 levels deep: a line out of turn, its own recording ends
    "flood": _forge("[" * 200_000),  # a line 200,000 levels deep: refused before parsing, its own recording ends
    **{f"h{k}": None for k in range(4)},
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    from autograder.instruments.samples import SAMPLES, Sample, append
    from autograder.tools.course import Course

    course = Course.create(tmp_path_factory.mktemp("judging") / "course")
    course.generate(A)
    with (course.root / "nbgrader_config.py").open("a") as f:
        f.write(EXPLODE)
    release, source = (course.root / d / A / f"{A}.ipynb" for d in ("release", "source"))
    for student, code in STUDENTS.items():
        dest = course.root / "submitted" / student / A
        dest.mkdir(parents=True)
        sample = SAMPLES["ada"] if code is None else Sample(student, "tampers", edits={A: (append("forward", code),)})
        sample.make(A, release, source, dest / f"{A}.ipynb")
    return course.root


def _copy(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(pristine, root)
    config = root / "nbgrader_config.py"
    config.write_text(config.read_text().replace(str(pristine), str(root)))
    return root


def _stored(root: Path) -> dict:
    out = {}
    for student in STUDENTS:
        path = results.path_for(root, A, student, A)
        if path.exists():
            out[student] = json.loads(path.read_text())["outcome"]["results"]
    return out


def _gradebook(root: Path) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {sub.student.id: [g.auto_score for nb in sub.notebooks for g in nb.grades if g.max_score]
                for sub in gb.assignment_submissions(A)}


def _check_everyone_else(root: Path) -> None:
    stored, scores = _stored(root), _gradebook(root)
    assert "broken" not in stored  # no result stored for it, and no score
    assert all(score is None for score in scores.get("broken", [])), scores.get("broken")
    assert not (root / "autograded" / "broken" / A).exists()
    for student in STUDENTS:
        if student == "broken":
            continue
        got = {r["exercise"]: r["score"] for r in stored[student]}
        assert sum(scores[student]) == sum(got.values()), student
        if student in ("deep", "flood"):  # (they wrote on the channel while their cells ran)
            assert sum(got.values()) == 0.0, got
            forward = next(r["feedback"] for r in stored[student] if r["exercise"] == "forward")
            assert "grader's channel" in forward, forward
        else:
            assert sum(got.values()) == 10.0, (student, got)
    assert not any("No hidden check ran" in r["feedback"] for rs in stored.values() for r in rs)


@pytest.mark.slow
def test_door_one_stores_nothing_for_a_notebook_it_cannot_judge_and_exits_non_zero(pristine, tmp_path):
    root = _copy(pristine, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "autograder.tools.cli", "autograde", A, "--course", str(root), "--quiet",
                           "--jobs", "1"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-3000:]
    summary = proc.stderr[proc.stderr.index("not graded or not written"):]
    assert "broken/regression: the grader could not judge it" in summary and "INTERNALERROR" in summary, summary
    assert "forced: the hidden checks broke on this probe" in summary
    assert [ln for ln in summary.splitlines() if ln.startswith("  ✗")] == [ln for ln in summary.splitlines()
                                                                           if ln.startswith("  ✗ broken/")]
    assert "Traceback" not in proc.stderr
    _check_everyone_else(root)
    # a rerun grades only what is left, and fails on it again
    again = subprocess.run([sys.executable, "-m", "autograder.tools.cli", "autograde", A, "--course", str(root), "--quiet"],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 1 and "broken/regression" in again.stderr
    assert "7 already up to date" in again.stdout, again.stdout
    _check_everyone_else(root)


@pytest.mark.slow
def test_door_two_fails_the_notebook_it_cannot_judge_and_exits_non_zero(pristine, tmp_path):
    root = _copy(pristine, tmp_path)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".jupyter")}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", A, "--force"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert "The grader could not judge broken/regression (nothing stored, no score)" in out, out[-3000:]
    assert "There was an error processing assignment 'regression' for student 'broken'" in out
    assert "for student 'ada'" not in out and "for student 'flood'" not in out
    _check_everyone_else(root)
