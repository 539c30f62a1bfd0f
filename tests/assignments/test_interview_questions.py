"""The interview-question banks: structure, links, and every computable answer recomputed."""

import re

import pytest
import sympy as sp

from autograder.assignments.quiz.banks import BANK_FILES, agrees, computable, parse, recompute

PREFIX = {"easy": "E", "medium": "M"}


@pytest.mark.parametrize("bank", BANK_FILES)
def test_bank_structure(bank):
    path = BANK_FILES[bank]
    qs = parse(path)
    ids = [q.id for q in qs]
    assert "" not in ids, "every question heading reads '### <ID>. <question>'"
    assert len(qs) >= 25 and all(i.startswith(PREFIX[bank]) for i in ids)
    assert len(set(ids)) == len(ids), "question ids are unique"
    assert sum(q.computable for q in qs) >= 10
    for q in qs:
        assert re.search(r"\*Topic:\* `[a-z0-9-]+`", q.body), q.id
        assert "*Practice:*" in q.body, q.id
        assert "<details>" in q.body and "<summary>Model answer</summary>" in q.body and "</details>" in q.body, q.id
        answer_text = q.body.split("</summary>", 1)[1].split("</details>", 1)[0]
        assert len(answer_text.split()) >= 15, f"{q.id}: the model answer is too short"
        for link in re.findall(r"\]\(([^)]+)\)", q.body):
            assert (path.parent / link).resolve().exists(), f"{q.id}: broken link {link}"
        if q.computable:
            assert q.stated and q.code, f"{q.id}: a computable question needs **Answer:** and a python block"


@pytest.mark.parametrize("q", computable(), ids=lambda q: q.id)
def test_computable_answer_is_right(q):
    answer = recompute(q)
    assert agrees(q.stated, answer), f"{q.id}: written {q.stated}, recomputed {answer}"


def test_a_wrong_written_answer_is_caught():
    assert not agrees("-5.887", -5.888)
    assert not agrees("(30, 100)", (100, 30))
    assert not agrees("z*(1 - z)", sp.Symbol("a") * (1 - sp.Symbol("a")))
    assert agrees("0.111776", 0.1 + 0.011776)
