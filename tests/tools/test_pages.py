"""What learners and instructors read, for real: a small course graded by `nbgrader autograde` (ada: the
solution, ben: the untouched release, cy: planted mistakes, tam: edited a locked test cell), its
`nbgrader generate_feedback` pages and its cohort report, opened in headless Chromium at 1400 px.
Screenshots go to test-artifacts/."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.instruments.samples import SAMPLES
from autograder.tools.course import Course

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WIDTH = 1400


def _tamper(path: Path) -> None:
    """tam's notebook: a locked test cell edited (a line added), the rest untouched."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_forward")
    cell["source"] = ["pass  # tam was here\n", *cell["source"]] if isinstance(cell["source"], list) else \
        "pass  # tam was here\n" + cell["source"]
    path.write_text(json.dumps(nb), encoding="utf-8")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = Course.create(tmp_path_factory.mktemp("pages") / "course")
    a = "regression"
    course.generate(a)
    course.release(a)
    for student in ("ada", "ben", "cy", "tam"):
        path = course.fetch(a, student) / f"{a}.ipynb"
        if student == "tam":
            _tamper(path)
        else:
            SAMPLES[student].make(a, path, course.root / "source" / a / f"{a}.ipynb", path)
        course.submit(a, student)
    course.collect(a)
    graded = course.autograde(a)
    feedback = course.run("generate_feedback", a, "--force")
    done = subprocess.run([sys.executable, "-m", "autograder.tools.cli", "report", "--course", str(course.root)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return course, graded, feedback, done.stdout


def test_autograde_raises_no_false_alarm_and_still_reports_tampering(course):
    _, graded, _, _ = course
    assert "has changed!" in graded  # tam edited a locked test cell: still reported
    assert all("test_forward" in line for line in graded.splitlines() if "has changed!" in line), graded
    assert graded.count("has changed!") == 1, graded  # ada, ben and cy: nothing (before: 7 each)


@pytest.mark.parametrize("student", ["ada", "ben", "cy"])
def test_nbgrader_alone_would_have_warned_for_every_test_cell(course, student, caplog):
    """The control: nbgrader's own OverwriteCells, on the same submitted notebook and gradebook, says
    "has changed!" for each of the 7 test cells, which is what the course's step no longer says."""
    import logging

    import nbformat
    from nbgrader.preprocessors import OverwriteCells

    from autograder.engine.nbgrader_steps import OverwriteCellsOnce

    root = course[0].root
    path = root / "submitted" / student / "regression" / "regression.ipynb"
    resources = {"nbgrader": {"notebook": "regression", "assignment": "regression", "student": student,
                              "db_url": f"sqlite:///{root / 'gradebook.db'}"}}
    said = {}
    for step in (OverwriteCells, OverwriteCellsOnce):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            step(log=logging.getLogger("overwrite")).preprocess(nbformat.read(path, as_version=4), resources)
        said[step.__name__] = sum("has changed!" in r.getMessage() for r in caplog.records)
    assert said == {"OverwriteCells": 7, "OverwriteCellsOnce": 0}


def test_generate_feedback_says_nothing_about_display_data_priority(course):
    _, _, feedback, _ = course
    assert "display_data_priority" not in feedback, feedback


def _page(p, path: Path, open_details: bool = True):
    browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    if open_details:
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    return browser, page, errors


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_the_feedback_page_reads_as_a_report_card(course):
    from playwright.sync_api import sync_playwright

    root = course[0].root
    path = root / "feedback" / "cy" / "regression" / "regression.html"
    html = path.read_text(encoding="utf-8")
    key = "This matches a known mistake: swapped W1 indices."
    with sync_playwright() as p:
        browser, page, errors = _page(p, path)
        overflow = _overflow(page)
        toc = page.locator("#toc").inner_text()
        card = page.locator(".bp-card", has_text="Hidden weights ∂L/∂W1")
        card.scroll_into_view_if_needed()
        diagnosis = card.locator(".bp-diagnosis").first
        box, card_box = diagnosis.bounding_box(), card.bounding_box()
        fits = diagnosis.evaluate("e => e.scrollWidth <= e.clientWidth")
        order = card.evaluate("e => [...e.querySelectorAll('.bp-diagnosis, pre, .bp-where')].map(x => x.className || 'pre')")
        ARTIFACTS.mkdir(exist_ok=True)
        card.screenshot(path=str(ARTIFACTS / "feedback-card.png"))
        page.screenshot(path=str(ARTIFACTS / "feedback-page.png"), full_page=True)
        browser.close()
    assert not errors and overflow <= 0
    assert key in diagnosis_text(html)
    # the index names every exercise with its score, and says what broke first
    for title in ("Forward pass", "Hidden weights ∂L/∂W1", "Training loop"):
        assert title in toc, toc
    assert "Test cell" not in toc and key in toc
    # the diagnosis first, then expected/got, then where to look; all inside the card, nothing cut
    assert order[:3] == ["bp-diagnosis", "pre", "bp-where"], order
    assert fits and box["x"] >= card_box["x"] and box["x"] + box["width"] <= card_box["x"] + card_box["width"] <= WIDTH
    # no bare score output after the checks
    assert "Out[" not in html and "output_execute_result" not in html


def diagnosis_text(html: str) -> str:
    return html.replace("&#x27;", "'")


def test_the_cohort_report_has_its_summary_and_no_overflow(course):
    from playwright.sync_api import sync_playwright

    root = course[0].root
    path = root / "reports" / "report.html"
    with sync_playwright() as p:
        browser, page, errors = _page(p, path)
        overflow = _overflow(page)
        summary = page.locator("#summary").inner_text()
        # every count above a histogram bar lies inside its chart, below the chart's top edge
        clipped = page.evaluate("""() => [...document.querySelectorAll('svg.histogram')].flatMap(svg => {
            const s = svg.getBoundingClientRect();
            return [...svg.querySelectorAll('text.count')].filter(t => { const b = t.getBoundingClientRect();
              return b.top < s.top || b.bottom > s.bottom || b.left < s.left || b.right > s.right; })
              .map(t => t.textContent); })""")
        counts = page.evaluate("[...document.querySelectorAll('svg.histogram text.count')].map(t => +t.textContent)")
        head = page.locator("#learners thead").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "cohort-report-pages.png"), full_page=True)
        browser.close()
    assert not errors and overflow <= 0, overflow
    assert "What to re-teach" in summary and "swapped W1 indices" in summary and "full marks" in summary
    assert not clipped, clipped
    assert sum(counts) == 4 and len(counts) == 11  # four learners, eleven bands (full marks its own)
    assert "regression (/ 10)" in head
    page_html = path.read_text(encoding="utf-8")
    # a crash says where it was: ben's and tam's plot cell, after the last exercise (it calls their train())
    assert "cell 21, after the last exercise (Training loop), not graded: NotImplementedError" in page_html
    assert "<td>cell 21: NotImplementedError" not in page_html
    assert "untouched" in page_html  # ben's notebook is left out of the exercise means, and the page says so
