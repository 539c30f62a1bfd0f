"""The quiz assignment, generated from the computable questions of the interview banks.

`build()` writes source/quiz/quiz.ipynb: per question, its text, a solution cell
`answer_<ID> = <written answer>` and a test cell whose hidden block grades the learner's value
against the bank's own recomputation. `backprop-course generate` rebuilds it, and
`backprop-course verify` fails if it no longer matches the banks.
"""

from __future__ import annotations

from pathlib import Path

import sympy as sp

from autograder import judge as verdict
from autograder.banks import Question, computable, parse_formula, plain_expr, recompute, same_formula

HOW = {
    "number": "Set `{var}` to a number (4 significant figures are enough).",
    "formula": "Set `{var}` to a formula written as a Python string, e.g. `\"2*y - y_hat\"`, using the names in "
               "the question (`y`, `y_hat`, `a`, ...). Any equivalent form is accepted.",
    "shape": "Set `{var}` to a tuple of integers, e.g. `(4, 2)`.",
}


def _meta(grade_id: str, **flags) -> dict:
    base = {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3, "solution": False, "task": False}
    return {"nbgrader": {**base, **flags}}


def _solution_literal(q: Question) -> str:
    return repr(q.stated) if q.kind == "formula" else q.stated


def build():
    """The quiz notebook (nbformat is imported here, not at the top: grading in a learner's
    kernel imports this module and should not pay for nbformat's schema validator)."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = [new_markdown_cell(
        "# Quiz · backpropagation\n\n"
        "The questions with an exact answer from the course's interview-question banks. Work them out on paper "
        "(the course notebooks help), then put each answer in its cell and run the check below it. "
        "One point per question. The check only looks at the *kind* of answer; the grader checks the value.")]
    for q in computable():
        var = f"answer_{q.id}"
        cells.append(new_markdown_cell(f"### {q.id}. {q.title}\n\n{HOW[q.kind].format(var=var)}"))
        sol = new_code_cell(f"### BEGIN SOLUTION\n{var} = {_solution_literal(q)}\n### END SOLUTION")
        sol.metadata.update(_meta(var, solution=True))
        cells.append(sol)
        test = new_code_cell(
            "### BEGIN HIDDEN TESTS\n"
            "from autograder.grading import grade\n"
            f"score = grade('quiz', {q.id!r}, globals(), points=1)\n"
            "### END HIDDEN TESTS\n"
            f"assert {_kind_check(q, var)}, 'see the instructions above for the form of the answer'\n"
            f"print('{q.id}: answer recorded')\n"
            "### BEGIN HIDDEN TESTS\n"
            "score\n"
            "### END HIDDEN TESTS")
        test.metadata.update(_meta(f"test_{q.id}", grade=True, locked=True, points=1))
        test.metadata.update(editable=False, deletable=False)
        cells.append(test)
    for cell in cells:  # stable ids, so the same banks always give the same file
        cell.id = cell.metadata.get("nbgrader", {}).get("grade_id") or _markdown_id(cell.source)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def _markdown_id(source: str) -> str:
    head = source.split("\n", 1)[0]
    return "intro" if head.startswith("# ") else "q-" + head.removeprefix("### ").split(".", 1)[0]


def _kind_check(q: Question, var: str) -> str:
    return {
        "number": f"isinstance({var}, (int, float)) and not isinstance({var}, bool)",
        "formula": f"isinstance({var}, str)",
        "shape": f"isinstance({var}, tuple) and all(isinstance(n, int) for n in {var})",
    }[q.kind]


def write(course_root: Path) -> Path:
    path = course_root / "source" / "quiz" / "quiz.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    import nbformat

    nbformat.write(build(), path)
    return path


def is_current(course_root: Path) -> bool:
    path = course_root / "source" / "quiz" / "quiz.ipynb"
    import nbformat

    return path.exists() and nbformat.read(path, as_version=4) == build()


def judge(probe: dict) -> None:
    """Raise AssertionError (the feedback) unless the recorded answer is right."""
    q = next(q for q in computable() if q.id == probe["question"])
    if "missing" in probe:
        raise AssertionError(probe["missing"][0].upper() + probe["missing"][1:] + ".")
    answer, given = recompute(q), probe["value"]
    if q.kind == "number":
        if given["kind"] != "scalar":
            raise AssertionError(f"{q.id}: give a number, not {given['kind']}.")
        value, expected = float(given["value"]), float(answer)
        if not abs(value - expected) <= 5e-4 * abs(expected) + 1e-9:
            _wrong(f"{q.id}: {value:g} is not right (to 4 significant figures).",
                   verdict.number_relation(value, expected))
    elif q.kind == "formula":
        if given["kind"] != "str":
            raise AssertionError(f"{q.id}: give the formula as a string.")
        if not same_formula(given["value"], answer):
            _wrong(f"{q.id}: {given['value']!r} is not equivalent to the right formula.",
                   _formula_relation(given["value"], answer))
    else:
        items = given.get("items", [])
        got = tuple(int(i["value"]) for i in items if i["kind"] == "scalar")
        if given["kind"] != "tuple" or len(got) != len(items) or got != tuple(answer):
            swapped = len(got) == len(items) == 2 and got == tuple(answer)[::-1]
            _wrong(f"{q.id}: the shape is not right.",
                   ("transposed", "Its two axes are swapped: rows are samples, columns are units "
                                  "(or the reverse, as the question sets it).") if swapped else None)


def _wrong(message: str, found: tuple[str, str] | None) -> None:
    if found is None:
        raise verdict.Wrong(message)
    raise verdict.Wrong(f"{message} {found[1]}", found[0])


def _formula_relation(given: str, answer) -> tuple[str, str] | None:
    expr, truth = parse_formula(given), plain_expr(answer)
    if expr is None or truth == 0:
        return None
    links = {str(f): f for f in sp.Mul.make_args(sp.factor(truth)) if not f.is_number}
    return verdict.formula_relation(expr, truth, links)
