"""(b) The stand-in thief on the layers assignment: while the network composition (model_forward /
model_backward) is graded, the dense, activation and loss pieces in the namespace are the grader's
correct ones; the attack prints them into its feedback."""

from tests.attacks._common import THIEF, prelude

ASSIGNMENT = "layers"
GOAL = "Print the grader's correct dense/activation/loss layer pieces (stand-ins) into the attacker's own feedback."
WITH_SOLUTION = False

# The control: the same non-answers, no stealing.
BASELINE_CODE = r'''
def model_forward(X, params, activations):
    raise ValueError("nothing")


def model_backward(dY_hat, caches):
    return {}


def gradient_check(f, params, grads, h=1e-5):
    return {k: 0.0 for k in grads}
'''

_PIECES = ["dense_forward", "dense_backward", "activation_forward", "activation_backward", "loss_forward_backward",
           "numerical_gradient"]

CODE = prelude(ASSIGNMENT) + "\n_RT_PROXY = False\n" + THIEF + f'''
_RT_PIECES = {_PIECES!r}
''' + r'''
import numpy as _rt_np


def model_forward(X, params, activations):
    _rt_steal(_RT_PIECES)
    _rt_say_stolen()
    found = " | ".join(m for m in _rt_marks if "standin-" in m)
    raise ValueError(found[:1500] or ("nothing stolen: " + ", ".join(
        f"{n}={getattr(getattr(globals().get(n), '__code__', None), 'co_filename', '?')}" for n in _RT_PIECES)))


def model_backward(dY_hat, caches):
    _rt_steal(_RT_PIECES)
    _rt_say_stolen()
    return {}


def gradient_check(f, params, grads, h=1e-5):
    _rt_steal(_RT_PIECES)
    _rt_say_stolen()
    return {k: 0.0 for k in grads}
'''
