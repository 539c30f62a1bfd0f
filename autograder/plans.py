"""In which order each assignment's exercises are recorded, and when the stand-ins go in.

A phase is (stand-ins sent before it, exercises recorded in it). A stand-in module is a correct
building block (an answer), so it goes into the sandbox only after every exercise it could answer
has been recorded: correct forward passes after the learner's forward, correct backward passes
after the learner's backward, and so on. "The why" grades none of the blocks its stand-ins hold.
"""

from __future__ import annotations

from autograder.jail import STANDINS

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
    "why": [(("two_layer_forward", "two_layer_backward", "layers_pieces", "layers_model", "why"),
             ("regime", "stopping", "gradient_norms"))],
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


def standin_sources(names: tuple[str, ...]) -> dict[str, str]:
    return {name: (STANDINS / f"{name}.py").read_text(encoding="utf-8") for name in names}
