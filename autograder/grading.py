"""The one call a hidden-test block makes: record, judge, print feedback, return the score.

    score = grade("regression", "hidden_weights", globals(), points=2)

Recording runs the learner's functions at hidden points (exercises.record); judging runs the
hidden pytest checks on the recorded plain values (each assignment's hidden_checks.py). The score is a plain
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

from autograder import assignments
from autograder.assignments.quiz import variants
from autograder.engine import wire
from autograder.engine.probe_plugin import probe_index
from autograder.sandboxed.calls import grader_references

HIDDEN_CHECKS_INI = Path(assignments.__file__).resolve().parents[1] / "engine" / "hidden_checks.ini"


def title_of(assignment: str, exercise: str) -> str:
    return assignments.get(assignment).title_of(exercise)


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


class JudgingFailed(RuntimeError):
    """The hidden checks could not judge the probes they were given: their pytest session failed
    (an INTERNALERROR, a collection error, an exit status other than 0 or 1) or a probe got no result.
    The grader's failure, never a learner's score."""


def _last_line(text: object) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return (lines[-1] if lines else "")[:300]


class _Collector:
    """A pytest plugin that keeps each check's outcome and its assertion message, per probe, and
    whatever went wrong with the session itself."""

    def __init__(self, probes: int) -> None:
        self.results: list[list[CheckResult]] = [[] for _ in range(probes)]
        self.failures: list[str] = []

    def pytest_internalerror(self, excrepr, excinfo):
        self.failures.append(f"pytest INTERNALERROR: {_last_line(excrepr)}")

    def pytest_collectreport(self, report):
        if report.failed:
            self.failures.append(f"collecting {report.nodeid or 'the checks'} failed: {_last_line(report.longrepr)}")

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


# pytest's own plugins that the hidden checks never use: without them a run takes ≈ 0.03 s instead
# of ≈ 0.3 s, which is most of the grading time of a notebook with many test cells.
UNUSED_PLUGINS = ("doctest", "junitxml", "pastebin", "stepwise", "legacypath", "tmpdir", "monkeypatch", "recwarn",
                  "setuponly", "setupplan", "unittest", "faulthandler", "logging", "threadexception",
                  "unraisableexception", "debugging", "nose", "warnings", "cacheprovider")


def run_checks(probe: dict) -> list[CheckResult]:
    """Run the hidden pytest checks of the probe's exercise, in this process."""
    return run_all_checks([probe])[0]


def _fits(value: object, depth: int, size: int) -> tuple[str | None, str]:
    """(None, its JSON) if `value` nests at most `depth` levels and takes at most `size` characters as
    JSON, else (why not, for the learner, "")."""
    try:
        encoded, got = wire.dumps_measured(value)
    except wire.WireError:
        encoded, got = "", depth + 1
    if got > depth:
        return f"nested too deeply for the grader to read (more than {depth} levels of lists and dicts)", ""
    if len(encoded) > size:
        return f"too large for the grader to read (more than {size / 1024**2:g} MB as JSON)", ""
    return None, encoded


def bounded(probe: dict) -> tuple[dict, str]:
    """The probe as the hidden checks may load it, and its JSON: at most `wire.PROBE_DEPTH` levels deep
    and `wire.PROBE_BYTES` characters. Only what a learner's code returned can be deeper or larger (the
    grader's own inputs are a few small arrays; `calls.encode` stops at 5 levels): a case whose call
    returned such a value gets, for that case only, the error "returned a value nested too deeply /
    too large", as a call that raised would (`judge.returned` says it); if the probe is still over a
    cap, the exercise is judged as `missing`, with that reason. Nothing over the caps reaches pytest,
    whose loader would refuse the whole session's probes (`engine/probe_plugin.py`)."""
    why, encoded = _fits(probe, wire.PROBE_DEPTH, wire.PROBE_BYTES)
    if why is None:
        return probe, encoded
    room = wire.PROBE_DEPTH - 3  # probe → its cases → a case → the value
    if isinstance(probe.get("cases"), list):
        cases = []
        for case in probe["cases"]:
            if isinstance(case, dict):
                case = dict(case)
                for key, value in list(case.items()):
                    wrong = _fits(value, room, wire.PROBE_BYTES // 2)[0]
                    if wrong is None:
                        continue
                    if key in ("ok", "error"):  # the call's own result (two-layer, XOR, warm-up, why)
                        case.pop("ok", None)
                        case["error"] = "returned a value " + wrong
                    elif isinstance(value, dict) and ("ok" in value or "error" in value):  # a sub-call's (layers)
                        case[key] = {"error": "returned a value " + wrong}
            cases.append(case)
        probe = {**probe, "cases": cases}
        why, encoded = _fits(probe, wire.PROBE_DEPTH, wire.PROBE_BYTES)
        if why is None:
            return probe, encoded
    # still over a cap: the exercise is judged as missing (every check says why), the grader's inputs kept
    kept = {k: v for k, v in probe.items() if k != "cases" and _fits(v, room, 64 * 1024)[0] is None}
    kept["missing"] = f"the values your code returned for this exercise are {why}, so it was not judged"
    return kept, json.dumps(kept)


def run_all_checks(probes: list[dict]) -> list[list[CheckResult]]:
    """The hidden checks of every probe (a notebook's exercises), in one pytest session here. Each
    probe is first `bounded`. Raises JudgingFailed if the session fails or a probe gets no result:
    then no result of this session can be trusted (`notebook_grading.judge_many` judges again in
    smaller sessions)."""
    if not probes:
        return []
    try:
        encoded = [bounded(p)[1] for p in probes]
        modules = {assignments.get(p.get("assignment")).hidden_checks for p in probes}
    except Exception as exc:  # noqa: BLE001  (not probes the grader made: its own failure)
        raise JudgingFailed(f"the probes could not be prepared: {type(exc).__name__}: {str(exc)[:300]}") from None
    collector = _Collector(len(probes))
    fd, path = tempfile.mkstemp(suffix=".json", prefix="probes-")
    status: object = None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("[" + ",".join(encoded) + "]")  # json.dump would encode in pure Python, ≈ 5× slower
        targets = sorted(str(m) for m in modules)
        args = [*targets, "--probe", path, "-c", str(HIDDEN_CHECKS_INI), "--rootdir", str(assignments.HERE),
                "-p", "autograder.engine.probe_plugin",
                "-q", "--tb=no", "--capture=no", "--disable-plugin-autoload",  # no installed plugin judges
                *(f"-pno:{name}" for name in UNUSED_PLUGINS)]
        said = io.StringIO()
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            status = pytest.main(args, plugins=[collector])
    except Exception as exc:  # noqa: BLE001  (pytest itself failed: the grader's failure, said as such)
        collector.failures.append(f"the hidden checks' pytest failed: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        os.unlink(path)
    unjudged = [k for k, r in enumerate(collector.results) if not r]
    ended = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED)  # (the last: unjudged)
    if not collector.failures and status not in ended:
        name = getattr(status, "name", "")
        collector.failures.append(f"the hidden checks' pytest session ended with exit status {int(status)} ({name}): "
                                  f"{_last_line(said.getvalue())}")
    elif not collector.failures and unjudged:
        names = ", ".join(f"{probes[k].get('assignment')}/{probes[k].get('exercise')}" for k in unjudged[:5])
        collector.failures.append(f"no hidden check ran on {len(unjudged)} of {len(probes)} probes ({names})")
    if collector.failures:
        raise JudgingFailed("; ".join(dict.fromkeys(collector.failures)))
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
    known = probe.get("assignment") in assignments.ASSIGNMENTS
    formula = assignments.get(probe["assignment"]).where_to_look(probe.get("exercise", "")) if known else None
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
    probe, title = assignments.get(assignment).record(exercise, namespace, assignments.all_standins()), \
        title_of(assignment, exercise)
    probe["assignment"] = assignment
    probe["learner"] = variants.learner_id(namespace.get("LEARNER_ID", ""))  # the id the notebook says: a preview
    results = run_checks(probe)  # JudgingFailed, loudly, if the checks cannot judge it
    score = score_of(results, points)
    print(report(title, points, score, results, probe))
    return score
