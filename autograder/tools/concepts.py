"""Which concept a diagnosed mistake belongs to, and which assignments examine that concept again.

The cohort report asks whether learners who made a mistake make it again. That question only makes sense
where the same idea is graded again: "sigmoid derivative at z" in the warm-up can recur in
classification, XOR and the layers, never in regression (a linear network has no sigmoid). The catalogue
names mistakes per assignment ("sigmoid derivative at z", "activation derivative at z", "missing ×2",
"missing factor 2", ...), so one concept gathers every name it goes by, and lists the assignments whose
exercises can show it. A mistake outside every concept is compared only with assignments where the grader
named that very mistake for someone (it is evidently examined there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    label: str
    pattern: re.Pattern
    examined_in: tuple[str, ...]  # assignments, in course order, whose exercises can show it


def _c(label: str, pattern: str, *examined_in: str) -> Concept:
    return Concept(label, re.compile(pattern, re.I), examined_in)


CONCEPTS: tuple[Concept, ...] = (  # the first whose pattern matches a mistake's name is its concept
    _c("sigmoid's derivative", r"sigmoid|σ'|activation derivative", "warmup", "classification", "xor", "layers"),
    _c("tanh's derivative", r"tanh", "layers"),
    _c("ReLU's derivative", r"relu", "layers"),
    _c("the 2 from the squared error", r"factor 2|×2|\bhalf\b|½", "warmup", "regression", "xor", "layers"),
    _c("the mean over the batch", r"batch|1/n|summed over", "xor", "layers"),
    _c("the training loop", r"epoch|parameters never kept|rows in another order|update per|updated before|"
                            r"loss measured after|last sample|whole data", "regression", "classification", "xor", "why"),
    _c("weight-gradient indices", r"indices|transpos|swapped", "regression", "classification", "xor", "layers"),
    _c("back-propagating through W2", r"\bW2\b", "regression", "classification", "xor"),
    _c("the sign of the gradient", r"\bsign\b", "warmup", "regression", "classification", "xor", "layers"),
)


def concept_of(mistake: str) -> Concept | None:
    return next((c for c in CONCEPTS if c.pattern.search(mistake)), None)


def same_concept(a: str, b: str) -> bool:
    """The two mistake names are the same mistake, or belong to the same concept."""
    if a == b:
        return True
    ca = concept_of(a)
    return ca is not None and ca is concept_of(b)


def examined_again(mistake: str, after: str, assignments: list[str], named_in: dict[str, set[str]]) -> list[str]:
    """The assignments after `after` (in the order of `assignments`) that examine the mistake's concept; for a
    mistake with no concept, those where the grader named that mistake for someone (`named_in`: assignment →
    the mistake names diagnosed there)."""
    later = assignments[assignments.index(after) + 1:]
    concept = concept_of(mistake)
    if concept is not None:
        return [a for a in later if a in concept.examined_in]
    return [a for a in later if mistake in named_in.get(a, set())]
