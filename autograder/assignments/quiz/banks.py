"""The interview-question banks as data: questions, written answers, and the Python block
that recomputes each computable answer. Tests, the quiz generator and the quiz's hidden
checks all read the banks through this module, so none of them can drift from the text.

A computable question's block starts with its machine-readable form:

    # ask: In the course network (every weight {w}, …), what does it predict for x = ({x1}, {x2})?
    x1, x2, w = 8, 8, 0.1  # vary: x1 in 2..9; x2 in 2..9; w in 0.1, 0.2, 0.3, 0.5

The `ask` line is the question with named parameters; the `vary` line gives the canonical values
(the ones the markdown shows; running the block as it stands computes the written answer) and each
parameter's choices (`a..b` for integers, else a list; `1/100` is an exact fraction). Each learner's
quiz draws one choice per parameter from their id (`autograder/variants.py`); the rest of the block
recomputes the answer for any draw. A parameter shared by several questions (the course network's
weights and row) takes the same value in all of them. A question whose answer is a fact with no
numbers in it says so instead: `# same for everyone: <why>`.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy as sp

from autograder.assignments.common import safe_formula
from autograder.assignments.quiz import variants

BANK_DIR = Path(__file__).resolve().parents[3] / "interview_questions"
BANK_FILES = {"easy": BANK_DIR / "easy_questions.md", "medium": BANK_DIR / "medium_questions.md"}


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    body: str
    computable: bool
    stated: str | None  # the written answer of a computable question
    code: str | None  # the Python block that recomputes it

    @property
    def ask(self) -> str:
        """The question with `{name}` where each parameter goes (the title when it has none)."""
        m = re.match(r"# ask: (.+)", self.code or "")
        return m.group(1).strip() if m else self.title

    @property
    def fixed(self) -> bool:
        """The same answer for every learner (a fact with no numbers in it)."""
        return "# same for everyone:" in (self.code or "")

    @property
    def params(self) -> dict[str, list[tuple[str, object]]]:
        """Each parameter's choices, as (text as written, value)."""
        out = {}
        for line in _vary_lines(self.code or ""):
            for part in line.split("# vary:", 1)[1].split(";"):
                name, _, choices = part.strip().partition(" in ")
                out[name.strip()] = _choices(choices.strip())
        return out

    @property
    def canonical(self) -> dict[str, object]:
        """The parameters' values in the bank's own text (the written answer is for these)."""
        ns = {"np": np, "sp": sp}
        for line in _vary_lines(self.code or ""):
            exec(line.split("#", 1)[0], ns)  # the banks are the project's own files
        return {name: ns[name] for name in self.params}

    @property
    def kind(self) -> str:
        """'shape' (a tuple), 'number' or 'formula'."""
        if self.stated is None:
            return "prose"
        if self.stated.startswith("("):
            return "shape"
        return "number" if sp.sympify(self.stated).is_Number else "formula"


def _vary_lines(code: str) -> list[str]:
    return [ln for ln in code.splitlines() if "# vary:" in ln]


def _choices(text: str) -> list[tuple[str, object]]:
    m = re.fullmatch(r"(-?\d+)\.\.(-?\d+)", text)
    if m:
        return [(str(v), v) for v in range(int(m.group(1)), int(m.group(2)) + 1)]
    items = [t.strip() for t in text.split(",")]
    return [(t, sp.Rational(t) if "/" in t else ast.literal_eval(t)) for t in items]


def parse(path: Path) -> list[Question]:
    return list(_parse(path.read_text(encoding="utf-8")))


@functools.cache
def _parse(text: str) -> tuple[Question, ...]:
    out = []
    for chunk in re.split(r"^### ", text, flags=re.M)[1:]:
        heading, _, body = chunk.partition("\n")
        m = re.match(r"([EM]\d\d)\. (.+)", heading)
        stated = re.search(r"\*\*Answer:\*\* `([^`]+)`", body)
        code = re.search(r"```python\n(.*?)```", body, flags=re.S)
        out.append(Question(
            id=m.group(1) if m else "", title=(m.group(2) if m else heading).replace(" *(computable)*", ""),
            body=body, computable="*(computable)*" in heading,
            stated=stated.group(1) if stated else None, code=code.group(1) if code else None,
        ))
    return tuple(out)


def computable() -> list[Question]:
    return [q for path in BANK_FILES.values() for q in parse(path) if q.computable]


def question(qid: str) -> Question:
    found = [q for q in computable() if q.id == qid]
    if not found:
        raise KeyError(f"no computable question {qid!r} in the banks")
    return found[0]


def parameters() -> dict[str, list[tuple[str, object]]]:
    """Every parameter of the banks and its choices; a name shared by questions must mean one thing."""
    out: dict[str, list[tuple[str, object]]] = {}
    for q in computable():
        for name, choices in q.params.items():
            if out.setdefault(name, choices) != choices:
                raise ValueError(f"{q.id}: parameter {name!r} has other choices than in an earlier question")
    return out


def recompute(q: Question, values: dict | None = None):
    """Run the question's Python block; its `answer` is the recomputed answer: for the bank's own
    numbers, or for `values` (parameter name → value) in place of them."""
    ns = {"np": np, "sp": sp}
    code = q.code
    if values is not None:
        code = "\n".join(ln for ln in code.splitlines() if "# vary:" not in ln)
        ns.update(values)
    exec(code, ns)  # the banks are the project's own files
    return ns["answer"]


def values_for(q: Question, learner: str) -> dict[str, object]:
    """A learner's parameter values (the bank's own for the empty id)."""
    if not learner:
        return q.canonical
    return {name: choices[variants.pick(learner, name, len(choices))][1] for name, choices in q.params.items()}


def asked(q: Question, learner: str) -> str:
    """The question as `learner`'s notebook shows it (the same text `quiz_variants.ask` gives)."""
    if not learner:
        return q.ask.format(**{name: str(v) for name, v in q.canonical.items()})
    return q.ask.format(**{name: choices[variants.pick(learner, name, len(choices))][0]
                           for name, choices in q.params.items()})


def answer_for(q: Question, learner: str):
    """The right answer to `q` for `learner`'s numbers."""
    values = values_for(q, learner)
    return _answer(q.id, q.code, tuple((k, _key(v)) for k, v in values.items()), values)


def _key(value) -> str:
    return str(value)


def _answer(qid: str, code: str, key: tuple, values: dict):
    cached = _ANSWERS.get((qid, code, key))
    if cached is None:
        cached = _ANSWERS[qid, code, key] = recompute(question_with(qid, code), values)
    return cached


_ANSWERS: dict = {}  # (question, its code, its values) → answer: a class shares few distinct variants


def question_with(qid: str, code: str) -> Question:
    return Question(qid, "", "", True, None, code)


def plain_expr(expr: sp.Expr) -> sp.Expr:
    """The expression with assumption-free symbols, so `y` typed by a person matches."""
    expr = sp.sympify(expr)
    return expr.subs({s: sp.Symbol(s.name) for s in expr.free_symbols})


def agrees(stated: str, answer) -> bool:
    """The written answer, to the precision it is written with, equals the recomputed one."""
    if stated.startswith("("):
        return tuple(ast.literal_eval(stated)) == tuple(answer)
    value = sp.sympify(stated)
    if value.is_Number:
        written = stated.lower()
        if "e" in written or "/" in written:
            return abs(float(answer) - float(value)) <= 1e-12 * max(1.0, abs(float(value)))
        decimals = len(written.split(".")[1]) if "." in written else 0
        return abs(float(answer) - float(value)) <= 0.5 * 10.0**-decimals + 1e-12
    return sp.simplify(value - plain_expr(answer)) == 0


def parse_formula(given: str) -> sp.Expr | None:
    """A learner's formula (a string) in the banks' names, or None if it is not one (built from its syntax
    tree, never evaluated: `safe_formula.py`)."""
    try:
        return safe_formula.parse(given, {name: sp.Symbol(name) for name in ("y", "y_hat", "a", "z", "x")})
    except safe_formula.FormulaError:
        return None


def same_formula(given: str, answer) -> bool:
    """A learner's formula (a string) is symbolically equivalent to the answer."""
    expr = parse_formula(given)
    return expr is not None and sp.simplify(expr - plain_expr(answer)) == 0
