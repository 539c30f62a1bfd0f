"""The quiz assignment, generated from the computable questions of the interview banks.

`build()` writes source/quiz/quiz.ipynb: a cell where the learner's id is set (JupyterHub's user
name, or typed), then per question its kind of answer, a cell that shows the question with *the
learner's own numbers* (`quiz_variants.py` beside the notebook draws them from the id), a solution
cell `answer_<ID> = <written answer>` (the bank's numbers) and a test cell whose hidden block grades
the learner's value against the bank's recomputation for the numbers of the student id nbgrader
knows. `backprop-course generate` rebuilds both files, and `backprop-course verify` fails if they
no longer match the banks.
"""

from __future__ import annotations

import inspect
import pprint
import random
from pathlib import Path

import sympy as sp

from autograder.assignments.quiz import banks, variants
from autograder.assignments.quiz.banks import Question, computable, parse_formula, plain_expr
from autograder.engine import judge as verdict

HELPER = "quiz_variants.py"  # beside the notebook, in source/ and release/
OTHER_NUMBERS = "answer for other numbers"

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
        "One point per question. The check only looks at the *kind* of answer; the grader checks the value.\n\n"
        "**Your own numbers.** Every learner gets the same questions with their own numbers, drawn from their "
        "learner id. On JupyterHub your user name is used; otherwise type the id your instructor gave you in "
        "the cell below and run it. Each question is shown with your numbers by the cell under its title. "
        "The grader uses the id of your submission, so answers worked out with someone else's numbers are "
        "wrong for you."),
        new_code_cell('LEARNER_ID = ""  # on JupyterHub your user name is used; otherwise type your id here\n\n'
                      "import quiz_variants as my\n\n"
                      "my.use(LEARNER_ID)")]
    for q in computable():
        var = f"answer_{q.id}"
        cells.append(new_markdown_cell(f"### {q.id}\n\n{HOW[q.kind].format(var=var)}"))
        show = new_code_cell(f"my.show({q.id!r})")
        show.metadata.update(_meta(f"ask_{q.id}", locked=True))
        cells.append(show)
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
        # (the learner-id cell has no nbgrader metadata: nbgrader's autograde drops the grade_id of a cell
        # it does not track, then fails on it)
        cell.id = cell.metadata.get("nbgrader", {}).get("grade_id") or (
            "learner-id" if cell.cell_type == "code" else _markdown_id(cell.source))
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    from autograder.tools.example_mistakes import prepare_notebook

    prepare_notebook(nb, "quiz", local=(HELPER.removesuffix(".py"),))  # the note on the local check, as everywhere
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


def helper_source() -> str:
    """`quiz_variants.py`: the draw of `autograder/assignments/quiz/variants.py`, verbatim, with the banks'
    question templates and parameter choices filled in (no answers, no solution code)."""
    text = inspect.getsource(variants)
    questions = {q.id: {"ask": q.ask, "names": list(q.params)} for q in computable()}
    choices = {name: [t for t, _ in options] for name, options in banks.parameters().items()}
    head = '"""Your numbers for the quiz, drawn from your learner id (generated from the course\'s question banks)."""\n'
    body = text.split('"""\n', 1)[1]  # after the module docstring
    body = body.replace("QUESTIONS: dict[str, dict] = {}", "QUESTIONS: dict[str, dict] = " + pprint.pformat(
        questions, width=110, sort_dicts=False), 1)
    body = body.replace("CHOICES: dict[str, list[str]] = {}", "CHOICES: dict[str, list[str]] = " + pprint.pformat(
        choices, width=110, sort_dicts=False), 1)
    return head + body


def write(course_root: Path) -> Path:
    path = course_root / "source" / "quiz" / "quiz.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    import nbformat

    nbformat.write(build(), path)
    (path.parent / HELPER).write_text(helper_source(), encoding="utf-8")
    return path


def is_current(course_root: Path) -> bool:
    path = course_root / "source" / "quiz" / "quiz.ipynb"
    import nbformat

    helper = path.parent / HELPER
    return (path.exists() and nbformat.read(path, as_version=4) == build() and helper.is_file()
            and helper.read_text(encoding="utf-8") == helper_source())


def answer_literal(q: Question, learner: str) -> str:
    """The right answer for `learner`, as the Python a learner would type."""
    answer = banks.answer_for(q, learner)
    if q.kind == "formula":
        return repr(sp.sstr(plain_expr(answer)))
    if q.kind == "shape":
        return repr(tuple(int(n) for n in answer))
    value = float(answer)
    return repr(int(value)) if value.is_integer() else repr(value)


def solve(nb, learner: str) -> None:
    """Fill every answer cell of a quiz notebook with `learner`'s right answers (samples, tests)."""
    by_id = {f"answer_{q.id}": q for q in computable()}
    for cell in nb.cells:
        q = by_id.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if q is not None:
            cell.source = f"answer_{q.id} = {answer_literal(q, learner)}"


def judge(probe: dict) -> None:
    """Raise AssertionError (the feedback) unless the recorded answer is right for the numbers of
    `probe["learner"]` (the student id the grader knows; the bank's own numbers when empty)."""
    q = banks.question(probe["question"])
    if "missing" in probe:
        raise AssertionError(probe["missing"][0].upper() + probe["missing"][1:] + ".")
    learner, given = str(probe.get("learner") or ""), probe["value"]
    answer = banks.answer_for(q, learner)
    if q.kind == "number":
        if given["kind"] != "scalar":
            raise AssertionError(f"{q.id}: give a number, not {given['kind']}.")
        value = float(given["value"])
        if not _same(q, value, answer):
            _other_numbers(q, value, learner, probe.get("classmates", ()), f"{value:g}")
            _wrong(f"{q.id}: {value:g} is not right (to 4 significant figures).",
                   verdict.number_relation(value, float(answer)))
    elif q.kind == "formula":
        if given["kind"] != "str":
            raise AssertionError(f"{q.id}: give the formula as a string.")
        expr = parse_formula(given["value"])
        if expr is None or not _same(q, expr, answer):
            if expr is not None:
                _other_numbers(q, expr, learner, probe.get("classmates", ()), repr(given["value"]))
            _wrong(f"{q.id}: {given['value']!r} is not equivalent to the right formula.",
                   _formula_relation(given["value"], answer))
    else:
        items = given.get("items", [])
        got = tuple(int(i["value"]) for i in items if i["kind"] == "scalar")
        if given["kind"] != "tuple" or len(got) != len(items) or got != tuple(answer):
            if given["kind"] == "tuple" and len(got) == len(items):
                _other_numbers(q, got, learner, probe.get("classmates", ()), repr(got))
            swapped = len(got) == len(items) == 2 and got == tuple(answer)[::-1]
            _wrong(f"{q.id}: the shape is not right.",
                   ("transposed", "Its two axes are swapped: rows are samples, columns are units "
                                  "(or the reverse, as the question sets it).") if swapped else None)


def _same(q: Question, given, answer) -> bool:
    """The learner's value equals the answer: numbers to 4 significant figures, formulas by symbolic
    equivalence (a numeric test at random points first, so comparing with a class stays cheap)."""
    if q.kind == "number":
        expected = float(answer)
        return abs(float(given) - expected) <= 5e-4 * abs(expected) + 1e-9
    if q.kind == "shape":
        return tuple(given) == tuple(answer)
    truth = plain_expr(answer)
    names = sorted(given.free_symbols | truth.free_symbols, key=str)
    rng = random.Random(0)
    try:
        for _ in range(3):
            at = {s: rng.uniform(0.1, 0.9) for s in names}
            a, b = complex(given.subs(at).evalf()), complex(truth.subs(at).evalf())
            if not abs(a - b) <= 1e-9 * max(1.0, abs(b)):
                return False
    except (TypeError, ValueError):
        pass
    return sp.simplify(given - truth) == 0


def _other_numbers(q: Question, given, learner: str, classmates, shown: str) -> None:
    """Raise if the wrong answer is right for other numbers: the bank's example, or classmates'
    (each distinct variant tried once). The feedback names no one; the report learns whose."""
    if q.fixed:
        return
    mine = _variant_key(banks.values_for(q, learner))
    owners: dict[tuple, list[str]] = {}
    for other in ["", *sorted(set(map(str, classmates)) - {learner})]:
        key = _variant_key(banks.values_for(q, other))
        if key != mine:
            owners.setdefault(key, []).append(other or "the bank's example")
    whose = [name for names in owners.values() if _same(q, given, banks.answer_for(q, _first_id(names)))
             for name in names]
    if whose:
        raise verdict.Wrong(
            f"{q.id}: {shown} is the right answer for other numbers, not for yours. Your question: "
            f"{banks.asked(q, learner)} (your notebook shows it under the title once your learner id is set; "
            "the grader uses the id of your submission).",
            OTHER_NUMBERS, ", ".join(sorted(whose)))


def _first_id(names: list[str]) -> str:
    return "" if names[0] == "the bank's example" else names[0]


def _variant_key(values: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in values.items()))




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
