"""The interview-question banks: structure, links, and every computable answer recomputed."""

import ast
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from tests.conftest import REPO

BANKS = {"easy": ("E", REPO / "interview_questions" / "easy_questions.md"),
         "medium": ("M", REPO / "interview_questions" / "medium_questions.md")}


def questions(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    out = []
    for chunk in re.split(r"^### ", text, flags=re.M)[1:]:
        heading, _, body = chunk.partition("\n")
        m = re.match(r"([EM]\d\d)\. (.+)", heading)
        stated = re.search(r"\*\*Answer:\*\* `([^`]+)`", body)
        code = re.search(r"```python\n(.*?)```", body, flags=re.S)
        out.append({
            "id": m.group(1) if m else None, "title": m.group(2) if m else heading, "body": body,
            "computable": "*(computable)*" in heading,
            "stated": stated.group(1) if stated else None, "code": code.group(1) if code else None,
        })
    return out


def recompute(code: str):
    ns = {"np": np, "sp": sp}
    exec(code, ns)
    return ns["answer"]


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
        return abs(float(answer) - float(value)) <= 0.5 * 10.0 ** -decimals + 1e-12
    answer = sp.sympify(answer)
    plain = answer.subs({s: sp.Symbol(s.name) for s in answer.free_symbols})
    return sp.simplify(value - plain) == 0


@pytest.mark.parametrize("bank", BANKS)
def test_bank_structure(bank):
    prefix, path = BANKS[bank]
    qs = questions(path)
    ids = [q["id"] for q in qs]
    assert None not in ids, "every question heading reads '### <ID>. <question>'"
    assert len(qs) >= 25 and all(i.startswith(prefix) for i in ids)
    assert len(set(ids)) == len(ids), "question ids are unique"
    assert sum(q["computable"] for q in qs) >= 10
    for q in qs:
        body = q["body"]
        assert re.search(r"\*Topic:\* `[a-z0-9-]+`", body), q["id"]
        assert "*Practice:*" in body, q["id"]
        assert "<details>" in body and "<summary>Model answer</summary>" in body and "</details>" in body, q["id"]
        answer_text = body.split("</summary>", 1)[1].split("</details>", 1)[0]
        assert len(answer_text.split()) >= 15, f"{q['id']}: the model answer is too short"
        for link in re.findall(r"\]\(([^)]+)\)", body):
            assert (path.parent / link).resolve().exists(), f"{q['id']}: broken link {link}"
        if q["computable"]:
            assert q["stated"] and q["code"], f"{q['id']}: a computable question needs **Answer:** and a python block"


@pytest.mark.parametrize("qid", [q["id"] for b in BANKS.values() for q in questions(b[1]) if q["computable"]])
def test_computable_answer_is_right(qid):
    q = next(q for b in BANKS.values() for q in questions(b[1]) if q["id"] == qid)
    answer = recompute(q["code"])
    assert agrees(q["stated"], answer), f"{qid}: written {q['stated']}, recomputed {answer}"


def test_a_wrong_written_answer_is_caught():
    assert not agrees("-5.887", -5.888)
    assert not agrees("(30, 100)", (100, 30))
    assert not agrees("z*(1 - z)", sp.Symbol("a") * (1 - sp.Symbol("a")))
    assert agrees("0.111776", 0.1 + 0.011776)
