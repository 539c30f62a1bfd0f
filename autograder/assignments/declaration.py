"""What an assignment declares (in its folder's `__init__.py`), read by the registry (`assignments/__init__.py`)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

Phase = tuple[tuple[str, ...], tuple[str, ...]]  # (stand-ins offered from this phase on, exercises recorded in it)


@dataclass(frozen=True)
class Exercise:
    """One graded exercise: its key in the notebook's `grade(...)` calls, what feedback calls it, and the
    formula the notebook teaches for it (said after a lost point: "Where to look")."""

    name: str
    title: str
    where_to_look: str = ""


@dataclass(frozen=True)
class Assignment:
    """An assignment as the grader knows it.

    `folder`: the package under `autograder/assignments/` holding its recorder, stand-ins and checks
    (two assignments may share one: regression and classification are the same 2-2-1 network).
    `plan`: in which order its exercises are recorded, and from which phase each stand-in is offered
    (a stand-in is an answer: offered only after every exercise it could answer was recorded).
    `standins`: stand-in name → module, the modules a plan names.
    `record`: `record(exercise, namespace, standins) -> probe`, the recorder's entry point."""

    name: str
    title: str
    folder: str
    exercises: dict[str, Exercise]
    plan: list[Phase] = field(default_factory=list)
    standins: dict[str, str] = field(default_factory=dict)
    recorder: str = "recorder"
    network: str | None = None  # the recorder's first argument, when one recorder serves several networks
    untitled: str = "{}"  # the title of an exercise not in `exercises` (the quiz's questions: "Question {}")

    @property
    def package(self) -> str:
        return f"autograder.assignments.{self.folder}"

    @property
    def hidden_checks(self) -> Path:
        return HERE / self.folder / "hidden_checks.py"

    def record(self, exercise: str, namespace: dict, standins: dict) -> dict:
        module = importlib.import_module(f"{self.package}.{self.recorder}")
        if self.network is not None:
            return module.record(self.network, exercise, namespace, standins)
        return module.record(exercise, namespace, standins)

    def title_of(self, exercise: str) -> str:
        found = self.exercises.get(exercise)
        return found.title if found else self.untitled.format(exercise)

    def where_to_look(self, exercise: str) -> str | None:
        found = self.exercises.get(exercise)
        return found.where_to_look if found and found.where_to_look else None

    def phases(self, exercises: list[str]) -> list[Phase]:
        """The plan for the exercises a notebook grades (no plan: one phase, no stand-ins)."""
        if not self.plan:
            return [((), tuple(exercises))]
        wanted = set(exercises)
        unknown = wanted - {e for _, group in self.plan for e in group}
        if unknown:
            raise KeyError(f"{self.name} has no exercise {sorted(unknown)[0]!r}")
        return [(standins, tuple(e for e in group if e in wanted)) for standins, group in self.plan]


def exercises(titles: dict[str, str], where_to_look: dict[str, str]) -> dict[str, Exercise]:
    """Exercise declarations from a recorder's titles and the formulas its notebook teaches."""
    return {name: Exercise(name, title, where_to_look.get(name, "")) for name, title in titles.items()}
