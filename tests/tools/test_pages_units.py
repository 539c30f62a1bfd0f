"""The pieces of the feedback page and the cohort report, without a course: the report card's order and
text, the carry-over compared only where a concept is examined again, the histogram's bands and axis."""

import json
from pathlib import Path

import nbformat

from autograder.engine import notebook_grading
from autograder.engine.feedback_page import ReportCards, card_html, parse
from autograder.tools import concepts, report

FEEDBACK = """About your submission:
  ⚠ a.txt was left out: it is a link.

Hidden weights ∂L/∂W1: 0 / 2 points
  ✓ shapes
  ✗ gradient values
      ∂L/∂W1 is wrong at hidden point 1 (x = [2.5, 3.4], y = 5):
          expected [[19.713, 17.3589], [26.7172, 23.5266]]
          got      [[19.713, 26.7172], [17.3589, 23.5266]]
      This matches a known mistake: swapped W1 indices. ∂L/∂W1[i, j] must pair input x_i with hidden unit j.
  Where to look: the exercise "Hidden weights ∂L/∂W1", ∂L/∂W1[i, j] = x[i] · ∂L/∂z1[j].
  Your function printed (first lines):
      hello
"""


def test_a_card_says_the_diagnosis_first_then_expected_and_got_then_where_to_look():
    card = parse(FEEDBACK)
    assert (card.title, card.score, card.points) == ("Hidden weights ∂L/∂W1", 0.0, 2.0)
    assert card.notes == ["a.txt was left out: it is a link."]
    assert card.headline == "This matches a known mistake: swapped W1 indices."
    page = card_html(card)
    diagnosis, got = page.index("This matches a known mistake: swapped W1 indices."), page.index("got      [[19.713")
    assert diagnosis < page.index("expected [[19.713") < got < page.index("Where to look:") < page.index("hello")
    assert "✓ Passed: shapes" in page and "0 / 2 points" in page
    assert parse("some text a learner's cell printed") is None


def test_report_cards_replace_the_score_output_and_keep_errors():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("check()", metadata={"nbgrader": {"grade": True, "solution": False,
                                                                      "grade_id": "test_hidden_weights", "points": 2}})
    nb.cells = [cell]
    notebook_grading.write_outputs(nb, notebook_grading.NotebookOutcome(results=[notebook_grading.ExerciseResult(
        "test_hidden_weights", "hidden_weights", 2.0, 0.0, FEEDBACK.split("\n\n", 1)[1])]))
    cell.outputs.append(nbformat.v4.new_output("error", ename="NoScore", evalue="no score", traceback=["no score"]))
    nb, _ = ReportCards().preprocess(nb, {})
    kinds = [o.output_type for o in nb.cells[0].outputs]
    assert kinds == ["display_data", "error"]  # no execute_result: no bare "Out[ ]: 0.0"
    assert nb.cells[0].metadata.nbgrader["backprop_title"] == "Hidden weights ∂L/∂W1"


def _cohort(mistakes: dict[tuple[str, str], list[str]]) -> report.Cohort:
    subs = {}
    for (student, a), names in mistakes.items():
        sub = report.Submission(student, a, 5.0, 10.0)
        sub.exercises = [report.Exercise("x", 0.0 if names else 1.0, 1.0, names, "")]
        sub.code = f"def f(): return {len(names)}"
        subs[student, a] = sub
    students = sorted({s for s, _ in mistakes})
    assignments = [a for a in ("warmup", "regression", "classification", "xor") if any(k[1] == a for k in mistakes)]
    return report.Cohort(assignments, students, subs, {a: "" for a in assignments})


def test_a_mistake_carries_over_only_where_its_concept_is_examined_again():
    made = {("ann", "warmup"): ["sigmoid derivative at z"], ("bob", "warmup"): ["sigmoid derivative at z"],
            ("ann", "regression"): ["missing factor 2"], ("bob", "regression"): [],
            ("ann", "classification"): ["sigmoid derivative at z (output)"], ("bob", "classification"): []}
    data = report.summarise(_cohort(made))
    rows = {(r["mistake"], r["in"]): r for r in data["carry"]}
    sigmoid = rows["sigmoid derivative at z", "warmup"]
    assert sigmoid["then"] == "classification"  # not regression: a linear network has no sigmoid
    assert (sigmoid["had"], sigmoid["took"], sigmoid["again"]) == (2, 2, 1)  # ann, under another name of it
    assert ("missing factor 2", "regression") not in rows  # classification's loss has no square
    assert concepts.examined_again("missing factor 2", "warmup", ["warmup", "regression", "xor"], {}) == ["regression", "xor"]


def test_the_histogram_has_a_full_marks_band_an_axis_and_room_for_every_count():
    made = {(f"s{k}", "regression"): [] for k in range(3)}
    cohort = _cohort(made)
    for k, sub in enumerate(cohort.submissions.values()):
        sub.score = [10.0, 9.95, 0.0][k]
    data = report.summarise(cohort)
    assert data["assignments"]["regression"]["histogram"] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]
    svg = report._histogram(data["assignments"]["regression"]["histogram"])
    assert ">90–99<" in svg and ">100<" in svg and ">learners<" in svg
    assert 'y="-' not in svg  # no count drawn above the chart's top edge


def test_quiz_rows_show_the_question(tmp_path: Path):
    assert report._question("quiz", "E06")
    assert report._title("regression", "hidden_weights") == "Hidden weights ∂L/∂W1"
    json.dumps(report._reteach({"assignments": {}, "learners": []}))


def test_learner_text_in_a_card_is_escaped():
    """What a learner's code printed or raised reaches the card as text, never as markup."""
    text = FEEDBACK.replace("hello", "</pre><script>alert(1)</script>").replace(
        "This matches", "<img src=x onerror=alert(1)> This matches")
    page = card_html(parse(text))
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page
