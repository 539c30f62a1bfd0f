"""The interview-question banks as data: questions, written answers, and the Python block
that recomputes each computable answer. Tests, the quiz generator and the quiz's hidden
checks all read the banks through this module, so none of them can drift from the text."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy as sp

BANK_DIR = Path(__file__).resolve().parent.parent / "interview_questions"
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
    def kind(self) -> str:
        """'shape' (a tuple), 'number' or 'formula'."""
        if self.stated is None:
            return "prose"
        if self.stated.startswith("("):
            return "shape"
        return "number" if sp.sympify(self.stated).is_Number else "formula"


def parse(path: Path) -> list[Question]:
    out = []
    for chunk in re.split(r"^### ", path.read_text(encoding="utf-8"), flags=re.M)[1:]:
        heading, _, body = chunk.partition("\n")
        m = re.match(r"([EM]\d\d)\. (.+)", heading)
        stated = re.search(r"\*\*Answer:\*\* `([^`]+)`", body)
        code = re.search(r"```python\n(.*?)```", body, flags=re.S)
        out.append(Question(
            id=m.group(1) if m else "", title=(m.group(2) if m else heading).replace(" *(computable)*", ""),
            body=body, computable="*(computable)*" in heading,
            stated=stated.group(1) if stated else None, code=code.group(1) if code else None,
        ))
    return out


def computable() -> list[Question]:
    return [q for path in BANK_FILES.values() for q in parse(path) if q.computable]


def recompute(q: Question):
    """Run the question's Python block; its `answer` is the recomputed answer."""
    ns = {"np": np, "sp": sp}
    exec(q.code, ns)  # the banks are the project's own files
    return ns["answer"]


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
    """A learner's formula (a string) in the banks' names, or None if sympy cannot read it."""
    try:
        return sp.sympify(given, locals={name: sp.Symbol(name) for name in ("y", "y_hat", "a", "z", "x")})
    except (sp.SympifyError, SyntaxError, TypeError):
        return None


def same_formula(given: str, answer) -> bool:
    """A learner's formula (a string) is symbolically equivalent to the answer."""
    expr = parse_formula(given)
    return expr is not None and sp.simplify(expr - plain_expr(answer)) == 0
