"""The one call a hidden-test block makes: record, judge, print feedback, return the score.

    score = grade("regression", "hidden_weights", globals(), points=2)

Recording runs the learner's functions at hidden points (exercises.record); judging runs the
hidden pytest checks on the recorded plain values (hidden_tests/). The score is a plain
float in [0, points]: nbgrader reads a test cell's last value as its partial credit, and
a numpy scalar or a value above the cell's points would be misread (REFERENCE.md §4).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder import plans
from autograder.formulas import where_to_look
from autograder.hidden_tests.conftest import probe_index
from autograder.recording import record_layers, record_two_layer, record_warmup, record_why, record_xor, variants
from autograder.recording.session import recorder
from autograder.sandboxed.calls import grader_references

HIDDEN_TESTS = Path(__file__).parent / "hidden_tests"
TITLES = {"warmup": record_warmup.TITLES, "xor": record_xor.TITLES, "layers": record_layers.TITLES,
          "why": record_why.TITLES,
          **{a: {k: e.title for k, e in record_two_layer.EXERCISES.items()} for a in ("regression", "classification")}}


def title_of(assignment: str, exercise: str) -> str:
    return f"Question {exercise}" if assignment == "quiz" else TITLES[assignment][exercise]


@dataclass
class CheckResult:
    name: str
    passed: bool
    message: str
    diagnosis: str | None = None  # what broke, when the check could name it
    evidence: str | None = None  # for the instructors' report only (never in feedback)


def _check_name(item) -> str:
    """The check's name with its parameters but the probe: `test_x[W1]`, not `test_x[W1-probe3]`."""
    rest = [part for part in item.callspec.id.split("-") if not re.fullmatch(r"probe\d+", part)]
    return item.originalname + (f"[{'-'.join(rest)}]" if rest else "")


class _Collector:
    """A pytest plugin that keeps each check's outcome and its assertion message, per probe."""

    def __init__(self, probes: int) -> None:
        self.results: list[list[CheckResult]] = [[] for _ in range(probes)]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.when == "setup" and not report.passed):
            exc = call.excinfo.value if call.excinfo else None
            if exc is None or isinstance(exc, AssertionError):
                message = str(exc) if exc else ""
            else:
                message = f"The grader itself failed on this check ({type(exc).__name__}: {exc}); tell your instructor."
            diagnosis = getattr(exc, "diagnosis", None) if isinstance(exc, AssertionError) else None
            evidence = getattr(exc, "evidence", None) if isinstance(exc, AssertionError) else None
            self.results[probe_index(item)].append(
                CheckResult(_check_name(item), report.passed, message, diagnosis, evidence))


HIDDEN_MODULE = {"regression": "test_two_layer.py", "classification": "test_two_layer.py"}
# pytest's own plugins that the hidden checks never use: without them a run takes ≈ 0.03 s instead
# of ≈ 0.3 s, which is most of the grading time of a notebook with many test cells.
UNUSED_PLUGINS = ("doctest", "junitxml", "pastebin", "stepwise", "legacypath", "tmpdir", "monkeypatch", "recwarn",
                  "setuponly", "setupplan", "unittest", "faulthandler", "logging", "threadexception",
                  "unraisableexception", "debugging", "nose", "warnings", "cacheprovider")


def run_checks(probe: dict) -> list[CheckResult]:
    """Run the hidden pytest checks of the probe's exercise, in this process."""
    return run_all_checks([probe])[0]


def run_all_checks(probes: list[dict]) -> list[list[CheckResult]]:
    """The hidden checks of every probe (a notebook's exercises), in one pytest session here."""
    if not probes:
        return []
    collector = _Collector(len(probes))
    fd, path = tempfile.mkstemp(suffix=".json", prefix="probes-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(probes))  # json.dump would encode in pure Python, ≈ 5× slower
        modules = {HIDDEN_MODULE.get(p.get("assignment"), f"test_{p.get('assignment')}.py") for p in probes}
        targets = sorted(str(HIDDEN_TESTS / m) for m in modules if (HIDDEN_TESTS / m).is_file()) or [str(HIDDEN_TESTS)]
        args = [*targets, "--probe", path, "-c", str(HIDDEN_TESTS / "pytest.ini"), "--rootdir", str(HIDDEN_TESTS),
                "-q", "--tb=no", "--capture=no", "--disable-plugin-autoload",  # no installed plugin judges
                *(f"-pno:{name}" for name in UNUSED_PLUGINS)]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            pytest.main(args, plugins=[collector])
    finally:
        os.unlink(path)
    return collector.results


def _title(check: str) -> str:
    return check.removeprefix("test_").replace("_", " ")


def report(title: str, points: float, score: float, results: list[CheckResult], probe: dict) -> str:
    lines = [f"{title}: {score:g} / {points:g} points"]
    for r in results:
        mark = "✓" if r.passed else "✗"
        lines.append(f"  {mark} {_title(r.name)}")
        if not r.passed and r.message:
            lines.extend("      " + line for line in r.message.splitlines())
    formula = where_to_look(probe.get("assignment", ""), probe.get("exercise", ""))
    if score < points and formula:
        lines.append(f"  Where to look: the exercise \"{title}\", {formula}.")
    printed = next((c["printed"] for c in probe.get("cases", []) if c.get("printed")), None)
    if printed:
        lines.append("  Your function printed (first lines):")
        lines.extend("      " + line for line in printed.splitlines()[:5])
    warned = sorted({w for c in probe.get("cases", []) for w in c.get("warnings", [])})
    if warned:
        lines.append("  Warnings raised while your code ran: " + "; ".join(warned[:3]))
    return "\n".join(lines)


def score_of(results: list[CheckResult], points: float) -> float:
    """The fraction of checks passed times the cell's points, as a plain float in [0, points]."""
    score = round(float(points) * sum(r.passed for r in results) / len(results), 4)
    return float(min(max(score, 0.0), float(points)))


def grade(assignment: str, exercise: str, namespace: dict, points: float) -> float:
    """Grade one exercise in this process (an instructor running a source notebook; the project's
    tests); print feedback; return the score. Never used for a learner's grade: autograding runs
    learner code in the sandbox and judges outside it (notebook_grading.py)."""
    borrowed = grader_references(namespace)
    if borrowed:
        print(f"{exercise}: 0 / {points:g} points\n"
              f"  ✗ your notebook holds the grader's own code: {', '.join(borrowed[:3])}. "
              "Compute the answers yourself.")
        return 0.0
    probe, title = recorder(assignment)(exercise, namespace, plans.all_standins()), title_of(assignment, exercise)
    probe["assignment"] = assignment
    probe["learner"] = variants.learner_id(namespace.get("LEARNER_ID", ""))  # the id the notebook says: a preview
    results = run_checks(probe)
    if not results:
        results = [CheckResult("grading", False, "No hidden check ran; tell your instructor.")]
    score = score_of(results, points)
    print(report(title, points, score, results, probe))
    return score
