"""(b) Steal the grader's correct building blocks. While a training loop is graded, the grader puts correct
forward/backward/update (stand-ins) into the learner's namespace; the attack's train() takes them from
its own globals (and from exec/compile/json.loads hooks and a transparent proxy of its input pipe) and
prints their source, or their bytecode, into its own feedback."""

from tests.attacks._common import THIEF, prelude

ASSIGNMENT = "regression"
GOAL = "Print the grader's correct forward/backward/update (the stand-ins) into the attacker's own feedback."
WITH_SOLUTION = False

CODE = prelude(ASSIGNMENT) + THIEF + r'''
import numpy as _rt_np


def forward(x, params):
    _rt_steal(["forward", "backward", "update"])
    _rt_say_stolen()
    raise NotImplementedError


def backward(y, y_hat, cache, params):
    _rt_steal(["forward", "backward", "update"])
    _rt_say_stolen()
    raise NotImplementedError


def update(params, grads, lr):
    _rt_steal(["forward", "backward", "update"])
    _rt_say_stolen()
    raise NotImplementedError


def train(X, y, params, lr, epochs):
    _rt_steal(["forward", "backward", "update", "loss"])
    _rt_say_stolen()
    return _rt_np.zeros(epochs), params
'''
