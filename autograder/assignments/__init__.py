"""The course's assignments, each declared once: the one list the rest of the package reads.

    from autograder import assignments
    xor = assignments.get("xor")
    xor.exercises["train"].title        # "Full-batch training loop"
    xor.record("train", namespace, standins)
    xor.hidden_checks                   # its folder's hidden_checks.py
    assignments.NAMES                   # in course order

Each assignment is a folder here holding its definition (network, oracle, mistakes), its recorder
(what each exercise calls, at which hidden points), its stand-ins (correct building blocks, offered by
value once the exercises they answer are recorded), its hidden checks and, in its `__init__.py`, the
declaration below. Points are not declared: they are read from the source notebook's grade cells
(`points_of`), where nbgrader reads them.

Adding an assignment: a folder with those files, its source notebook in `source/<name>/`, and one line
in `_DECLARATIONS` (docs/add-an-assignment.md walks through it).
"""

from __future__ import annotations

import importlib
import json
from functools import cache
from pathlib import Path
from types import ModuleType

from autograder.assignments.declaration import Assignment, Exercise, Phase, exercises

__all__ = ["Assignment", "Exercise", "Phase", "exercises", "ASSIGNMENTS", "NAMES", "get", "standin",
           "all_standins", "with_needs", "points_of"]

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

# Course order. Each entry: (package, attribute holding its declaration or declarations).
_DECLARATIONS = (
    ("warmup", "WARMUP"),
    ("two_layer", "REGRESSION"),
    ("two_layer", "CLASSIFICATION"),
    ("xor", "XOR"),
    ("layers", "LAYERS"),
    ("why", "WHY"),
    ("softmax", "SOFTMAX"),
    ("quiz", "QUIZ"),
)


def _load() -> dict[str, Assignment]:
    found: dict[str, Assignment] = {}
    for folder, attribute in _DECLARATIONS:
        declared = getattr(importlib.import_module(f"{__name__}.{folder}"), attribute)
        found[declared.name] = declared
    return found


ASSIGNMENTS: dict[str, Assignment] = _load()
NAMES: tuple[str, ...] = tuple(ASSIGNMENTS)


class UnknownAssignment(KeyError):
    def __str__(self) -> str:
        return f"no assignment {self.args[0]!r} (there are: {', '.join(NAMES)})"


def get(name: str) -> Assignment:
    try:
        return ASSIGNMENTS[name]
    except KeyError:
        raise UnknownAssignment(name) from None


def standin(name: str) -> ModuleType:
    """A stand-in module by the name plans use (`xor_forward`, `numerics`, …)."""
    return importlib.import_module(_standin_modules()[name])


@cache
def _standin_modules() -> dict[str, str]:
    modules = {"numerics": f"{__name__}.common.numerics"}
    for a in ASSIGNMENTS.values():
        modules.update({name: f"{a.package}.{module}" for name, module in a.standins.items()})
    return modules


def all_standins() -> dict[str, ModuleType]:
    """Every stand-in module by name: what a recorder gets outside the sandbox (an instructor's run)."""
    return {name: standin(name) for name in _standin_modules()}


def with_needs(names: tuple[str, ...]) -> list[str]:
    """The stand-ins and, first, the ones they use (their NEEDS), each once."""
    out: list[str] = []

    def visit(name: str) -> None:
        for need in getattr(standin(name), "NEEDS", ()):
            visit(need)
        if name not in out:
            out.append(name)

    for name in names:
        visit(name)
    return out


def points_of(name: str, root: Path = REPO) -> dict[str, float]:
    """Each graded cell's points (grade_id → points), read from the source notebook: the one place
    they are written."""
    nb = json.loads((root / "source" / name / f"{name}.ipynb").read_text(encoding="utf-8"))
    out: dict[str, float] = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and "points" in meta:
            out[meta["grade_id"]] = float(meta["points"])
    return out
