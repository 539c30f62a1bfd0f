"""In which order each assignment's exercises are recorded, and when the stand-ins are offered.

A phase is (stand-ins offered from it on, exercises recorded in it). A stand-in module is a correct
building block (an answer), so the learner's code may call it (by value: it runs in the grader,
`recording/remote.py`) only after every exercise it could answer has been recorded: correct forward
passes after the learner's forward, correct backward passes after the learner's backward, and so on.
"The why" grades none of the blocks its stand-ins hold.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from autograder.recording import standins as _standins_package

STANDINS = Path(_standins_package.__file__).parent

Phase = tuple[tuple[str, ...], tuple[str, ...]]

TWO_LAYER: list[Phase] = [
    ((), ("forward", "update")),
    (("two_layer_forward",), ("output_weights", "output_bias", "hidden_weights", "hidden_biases")),
    (("two_layer_backward",), ("train",)),
]
PLANS: dict[str, list[Phase]] = {
    "regression": TWO_LAYER,
    "classification": TWO_LAYER,
    "warmup": [((), ("dL_dyhat", "dyhat_dz", "dz_dw", "dz_db", "product", "by_hand")), (("warmup",), ("step",))],
    "xor": [((), ("forward",)), (("xor_forward",), ("output_layer", "hidden_layer")), (("xor_backward",), ("train",))],
    "layers": [((), ("dense", "activations", "losses")), (("layers_pieces",), ("model",)),
               (("layers_model",), ("gradient_check",))],
    "why": [(("why",), ("regime", "stopping", "gradient_norms"))],
}


def phases(assignment: str, exercises: list[str]) -> list[Phase]:
    """The plan for the exercises a notebook grades (the quiz: one phase, no stand-ins)."""
    if assignment not in PLANS:
        return [((), tuple(exercises))]
    wanted = set(exercises)
    unknown = wanted - {e for _, group in PLANS[assignment] for e in group}
    if unknown:
        raise KeyError(f"{assignment} has no exercise {sorted(unknown)[0]!r}")
    return [(standins, tuple(e for e in group if e in wanted)) for standins, group in PLANS[assignment]]


def standin(name: str) -> ModuleType:
    """A stand-in module as the grader imports it (for dry runs and in-process grading)."""
    return importlib.import_module(f"autograder.recording.standins.{name}")


def with_needs(names: tuple[str, ...]) -> list[str]:
    """The modules and, first, the ones they use (NEEDS), each once."""
    out: list[str] = []

    def visit(name: str) -> None:
        for need in getattr(standin(name), "NEEDS", ()):
            visit(need)
        if name not in out:
            out.append(name)

    for name in names:
        visit(name)
    return out


def all_standins() -> dict[str, ModuleType]:
    """Every stand-in module by name: what a recorder gets outside the sandbox."""
    return {p.stem: standin(p.stem) for p in sorted(STANDINS.glob("*.py")) if p.stem != "__init__"}
