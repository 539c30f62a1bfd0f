"""(h) An update rule that computes nothing: it returns a new dict of zeros shaped like params. Any point it
earns is a point for no work (the control is the untouched release, whose update raises)."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Earn part of the update point by returning a new dict of zeros, computing nothing."
WITH_SOLUTION = False

CODE = prelude(ASSIGNMENT) + r'''
import numpy as _rt_np


def update(params, grads, lr):
    return {k: (_rt_np.zeros(_rt_np.shape(v)) if _rt_np.ndim(v) else 0.0) for k, v in params.items()}
'''
