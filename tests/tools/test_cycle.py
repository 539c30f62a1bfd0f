"""The whole nbgrader cycle, for real, in a temp course directory: generate → release →
fetch → submit (many students) → collect → autograde → generate_feedback → export."""

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.assignments.quiz.banks import computable
from autograder.instruments.samples import BAD, COPYING, DEMO
from autograder.tools.cli import run_cycle
from autograder.tools.course import Course

pytestmark = pytest.mark.cycle

QUIZ = len(computable())  # one point per computable interview question
EXPECTED = {  # (student, assignment) -> score out of 10
    ("ada", "regression"): 10, ("ada", "classification"): 10, ("ada", "quiz"): QUIZ,  # the solution
    ("ben", "regression"): 0, ("ben", "classification"): 0, ("ben", "quiz"): 0,     # the untouched release
    ("cy", "regression"): 8, ("cy", "classification"): 7, ("cy", "quiz"): QUIZ - 2,       # planted mistakes
    ("dan", "regression"): 9,   # endless loop in update: update 0, the rest graded
    ("eve", "regression"): 5,   # gradients W1, b1, W2 as lists: 0 for those three groups
    ("fay", "regression"): 6,   # NaN ∂L/∂W2 and a flattened ∂L/∂W1
    ("gus", "regression"): 4,   # backward raises: the four gradient groups 0
    ("hal", "regression"): 10,  # floods output and warns: no penalty
    ("ivy", "regression"): 10,  # deleted test cell: put back and graded
    ("jon", "regression"): 10,  # duplicated test cell: no crash, graded once
    ("kim", "regression"): 0,   # skip-execution tags on test cells, no code: still 0
    ("ned", "regression"): 4,   # imports the grader's oracle: not in the sandbox, so backward fails (4 gradient groups 0)
    ("oz", "regression"): 4,    # imports the grader inside backward: refused, gradient groups 0
    ("lou", "regression"): 8,   # silenced numpy.testing, wrong ∂L/∂W2
    ("max", "regression"): 0,   # no code, results hidden, checks silenced: 0 (nbgrader alone: full marks)
    ("pia", "quiz"): QUIZ,      # her own numbers, worked out
}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    course = Course.create(tmp_path_factory.mktemp("cycle") / "course")
    rows = run_cycle(course, {"regression": DEMO + BAD, "classification": DEMO, "quiz": DEMO + COPYING}, say=lambda msg: None)
    return course, {(r["student_id"], r["assignment"]): float(r["score"]) for r in rows}


def test_every_submission_is_graded_with_the_expected_score(cycle):
    _, scores = cycle
    assert {k: scores.get(k) for k in EXPECTED} == {k: float(v) for k, v in EXPECTED.items()}


def feedback(course: Course, student: str, assignment: str) -> str:
    return (course.root / "feedback" / student / assignment / f"{assignment}.html").read_text(encoding="utf-8")


def test_feedback_names_the_planted_mistake(cycle):
    course, _ = cycle
    assert "This matches a known mistake: swapped W1 indices." in feedback(course, "cy", "regression")
    assert "This matches a known mistake: sigmoid derivative at z." in feedback(course, "cy", "classification")
    quiz = feedback(course, "cy", "quiz")
    assert "is not equivalent to the right formula" in quiz and "M02: the shape is not right" in quiz


def test_feedback_gives_reasons_for_bad_submissions(cycle):
    course, _ = cycle
    assert "did not return within 5 s" in feedback(course, "dan", "regression")
    assert "is a Python list; return a numpy array" in feedback(course, "eve", "regression")
    assert "Your forward() is not implemented yet" in feedback(course, "max", "regression")
    assert "was missing from the submission" in feedback(course, "ivy", "regression")
    assert "more characters not shown" in feedback(course, "hal", "regression")


def test_no_hidden_test_code_in_any_feedback(cycle):
    course, _ = cycle
    pages = list((course.root / "feedback").rglob("*.html"))
    assert len(pages) == 15 + 3 + 3 + 2
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "autograder.grading" not in text, page


def test_feedback_pages_are_small(cycle):
    course, _ = cycle
    for page in (course.root / "feedback").rglob("*.html"):
        assert page.stat().st_size < 2_000_000, page


def test_test_cells_score_with_plain_floats(cycle):
    course, _ = cycle
    nb = nbformat.read(course.root / "autograded" / "cy" / "regression" / "regression.ipynb", as_version=4)
    results = {
        c.metadata["nbgrader"]["grade_id"]: o.data["text/plain"]
        for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
        for o in c.outputs if o.output_type == "execute_result"
    }
    assert results == {"test_forward": "1.0", "test_output_weights": "2.0", "test_output_bias": "1.0",
                       "test_hidden_weights": "0.0", "test_hidden_biases": "1.0", "test_update": "1.0", "test_train": "2.0"}
    # the gradebook records exactly the score the feedback states (no visible check can zero a cell)
    w1 = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_hidden_weights")
    assert "Hidden weights ∂L/∂W1: 0 / 2 points" in w1.outputs[0].text
    assert not [o for o in w1.outputs if o.output_type == "error"]


def test_the_secret_and_the_results_stay_in_the_course_directory(cycle):
    """The course's nbgrader_config.py loads the repository's: the grader must still use the course's root."""
    course, _ = cycle
    secret = course.root / ".backprop-secret"
    assert secret.is_file() and secret.stat().st_mode & 0o777 == 0o600
    graded = {p.name for p in (course.root / ".backprop-grader" / "results" / "regression").iterdir()}
    assert len(graded) == 15 and "ada" in graded


# --- the cohort report, from this graded batch ----------------------------------------------------------

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def cohort_report(cycle, tmp_path_factory):
    course, _ = cycle
    out = tmp_path_factory.mktemp("report")
    done = subprocess.run([sys.executable, "-m", "autograder.tools.cli", "report", "--course", str(course.root), "--out",
                           str(out)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return out, done.stdout


def _csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_cohort_report_matches_the_gradebook(cycle, cohort_report):
    _, scores = cycle
    out, summary = cohort_report
    learners = _csv(out / "learners.csv")
    shown = {(r["student"], a): float(r[a]) for r in learners for a in ("regression", "classification", "quiz")
             if r[a] != ""}
    submitted = {(x.student, a) for x in DEMO for a in ("regression", "classification", "quiz")} | {
        (x.student, "regression") for x in BAD} | {(x.student, "quiz") for x in COPYING}
    assert set(shown) == submitted  # nbgrader's export says 0 for "did not submit"; the page says "–"
    assert shown == {k: v for k, v in scores.items() if k in submitted}  # every score is the gradebook's
    mistakes = {(r["assignment"], r["mistake"]): r["learners"].split() for r in _csv(out / "mistakes.csv")}
    assert "cy" in mistakes["regression", "swapped W1 indices"]
    assert "cy" in mistakes["classification", "sigmoid derivative at z"]
    assert any("lou" in who for (a, _), who in mistakes.items() if a == "regression")  # ½·∂L/∂W2, checks silenced
    pairs = {(r["learner_a"], r["learner_b"]) for r in _csv(out / "copied.csv") if r["assignment"] == "regression"}
    assert ("ada", "ivy") in pairs and ("ada", "jon") in pairs  # the same solution, one cell deleted or doubled
    assert not any("ben" in p for p in pairs)  # an untouched release has no code of its own to copy
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "did not return within" in page or "dan" in page
    assert "regression: 15 submitted" in summary and "swapped W1 indices" in page
    assert "http://" not in page and "https://" not in page  # offline: nothing to fetch


def test_a_copied_quiz_loses_the_points_of_other_numbers_and_is_flagged(cycle, cohort_report):
    """pat handed in pia's quiz answers: every answer whose numbers differ from pat's own is wrong,
    each such one is flagged as pia's, and pia (and ada) keep full marks."""
    _, scores = cycle
    out, summary = cohort_report
    flagged = [r for r in _csv(out / "other_numbers.csv") if r["learner"] == "pat"]
    assert scores["pia", "quiz"] == scores["ada", "quiz"] == QUIZ
    assert 0 < scores["pat", "quiz"] < 20  # only questions whose numbers happen to coincide stay right
    assert len(flagged) == QUIZ - scores["pat", "quiz"]  # every lost point is flagged ...
    assert all("pia" in r["right for the numbers of"].split(", ") for r in flagged)  # ... as pia's numbers
    # (and of anyone whose numbers for that question are pia's: the bank's example, ada, ben, ...)
    assert not any(r["learner"] in ("pia", "ada", "cy") for r in _csv(out / "other_numbers.csv"))
    page = feedback(cycle[0], "pat", "quiz")
    assert "is the right answer for other numbers, not for yours" in page and "pia" not in page
    assert "answers with someone else's numbers" in summary


def test_the_cohort_report_renders_and_sorts_in_a_browser(cohort_report):
    from playwright.sync_api import sync_playwright

    out, _ = cohort_report
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / "report.html").as_uri())
        bars = page.locator("svg.chart rect.bar").count()
        histograms = page.locator("svg.histogram").count()
        rows = page.locator("#learners tbody tr").count()
        head = page.locator("#learners th", has_text="regression")
        head.click()
        ascending = [page.locator("#learners tbody tr").nth(k).locator("td").nth(1).inner_text() for k in range(rows)]
        head.click()
        descending = [page.locator("#learners tbody tr").nth(k).locator("td").nth(1).inner_text() for k in range(rows)]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "cohort-report.png"), full_page=True)
        browser.close()
    assert not errors
    assert histograms == 3 and bars > 10
    assert rows == 15 + 2  # pia and pat submitted the quiz only: "–" under regression
    as_numbers = [float(v) for v in ascending if v != "–"]
    assert len(as_numbers) == 15 and as_numbers == sorted(as_numbers)
    assert [float(v) for v in descending if v != "–"] == sorted(as_numbers, reverse=True)
    assert (ARTIFACTS / "cohort-report.png").stat().st_size > 10_000
