"""Reference implementations of the learner-facing API, built on the oracle.

They have exactly the signatures of the notebook stubs, so the grader can (a) compute
what a learner's training loop should produce, and (b) stand in for the learner's own
forward/backward/update while their loop is graded, so that one wrong derivative costs
the derivative points only.
"""

from __future__ import annotations

import numpy as np

from autograder.assignments.common import oracle
from autograder.assignments.common.activations import binary_cross_entropy
from autograder.assignments.common.network import PARAM_NAMES, Network
from autograder.assignments.common.oracle import CORRECT, Params, Variant
from autograder.assignments.common.points import init_params  # noqa: F401  (one initialisation)
from autograder.assignments.two_layer.recorder import copy_params


class Reference:
    """forward / backward / update / train for one network, as the notebooks define them."""

    def __init__(self, net: Network, variant: Variant = CORRECT, lr_for_variant: float = 0.0):
        self.net = net
        self.variant = variant
        self._lr = lr_for_variant

    def forward(self, x, params: Params):
        """x (n_in,) → (ŷ: float, cache: dict with x, z1, h, z2)."""
        return oracle.forward(self.net, x, params)

    def backward(self, y, y_hat, cache, params: Params) -> Params:
        """Gradients of the per-sample loss, shaped like the parameters."""
        del y_hat  # recomputed by the oracle from the cache's x
        return oracle.gradients(self.net, cache["x"], y, params, lr=self._lr, variant=self.variant)

    @staticmethod
    def update(params: Params, grads: Params, lr: float) -> Params:
        """θ ← θ − lr·∂L/∂θ, returning new arrays."""
        return {k: np.asarray(params[k], dtype=np.float64) - lr * grads[k] for k in PARAM_NAMES}

    def train(self, X, y, params: Params, lr: float, epochs: int, epoch_loss: str = "mean before"):
        """Per-sample SGD in row order. Returns (epoch_losses (epochs,), final params).

        The epoch loss is the mean over the samples of the loss computed before that
        sample's update. Other `epoch_loss` values reproduce the loop mistakes in
        `LOOP_MISTAKES`, so feedback can name them."""
        params = initial = copy_params(params)
        losses = np.zeros(epochs)
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if epoch_loss == "rows reversed":
            X, y = X[::-1], y[::-1]
        net = Reference(self.net, self.variant, lr) if self.variant is not CORRECT else self
        for epoch in range(1 if epoch_loss == "one epoch short" else 0, epochs):
            step_losses, grads = [], None
            if epoch_loss == "restarts every epoch":
                params = copy_params(initial)
            for xi, yi in zip(X, y, strict=False):
                y_hat, cache = net.forward(xi, params)
                before = (oracle.loss(self.net, xi, yi, params) if epoch_loss != "loss arguments swapped"
                          else _swapped_loss(self.net, yi, y_hat))
                grads = net.backward(yi, y_hat, cache, params)
                if epoch_loss not in ("params not kept", "one update per epoch"):
                    params = net.update(params, grads, lr / len(X) if epoch_loss == "step divided by n" else lr)
                step_losses.append(oracle.loss(self.net, xi, yi, params) if epoch_loss == "mean after" else before)
            if epoch_loss == "one update per epoch" and grads is not None:
                params = net.update(params, grads, lr)
            if epoch_loss == "sum":
                losses[epoch] = np.sum(step_losses)
            elif epoch_loss == "last":
                losses[epoch] = step_losses[-1]
            elif epoch_loss == "full data at end":
                losses[epoch] = full_data_mse(self.net, X, y, params)
            else:
                losses[epoch] = np.mean(step_losses)
        return losses, params


LOOP_MISTAKES = {
    "mean after": (
        "loss measured after the update",
        "Each sample's loss was computed after its update; the epoch loss is the mean of the "
        "losses computed before each update (what the forward pass of that step saw).",
    ),
    "sum": ("summed epoch loss", "The epoch loss is the mean over the samples, not their sum."),
    "last": ("last sample's loss", "The epoch loss is the mean over all samples, not the loss of the last one."),
    "full data at end": (
        "loss of the whole data at the end of the epoch",
        "You recomputed the loss over all samples after the epoch; this course's epoch loss is the "
        "mean of the per-step losses, each computed before its update.",
    ),
    "params not kept": (
        "parameters never kept",
        "update() returns the new parameters; the loop must keep them (params = update(...)), or every "
        "step starts again from the initial ones and the loss never moves.",
    ),
    "restarts every epoch": (
        "training restarted every epoch",
        "Every epoch started again from the initial parameters: the epoch losses are all the first epoch's, and the "
        "final parameters are those of one epoch. Carry the parameters from one epoch to the next (set them once, "
        "before the loop over the epochs).",
    ),
    "step divided by n": (
        "each step divided by n",
        "Each per-sample step was divided by the number of rows n: per-sample gradient descent takes the full step "
        "θ ← θ − lr·∂L/∂θ of that one sample; the 1/n of the epoch's mean belongs to the reported loss only.",
    ),
    "loss arguments swapped": (
        "loss(ŷ, y) for loss(y, ŷ)",
        "Your epoch losses are what loss(y_hat, y) gives, the arguments swapped: the loss takes (y, y_hat), and "
        "cross-entropy is not symmetric (with them swapped it takes the log of a target 0 or 1, which is −∞). The "
        "parameters are right: only the loss you record is wrong.",
    ),
    "rows reversed": ("rows in another order", "Visit the rows in order, first to last, in every epoch."),
    "one epoch short": (
        "one epoch short",
        "The loop ran one epoch fewer than asked (range(1, epochs) or epochs − 1): every epoch from 0 to "
        "epochs − 1 runs and records its loss.",
    ),
    "one update per epoch": (
        "one update per epoch",
        "The update belongs inside the loop over the samples: per-sample gradient descent takes one step per "
        "row, not one step per epoch with the last row's gradient.",
    ),
}


def _swapped_loss(net: Network, y: float, y_hat: float) -> float:
    """loss(ŷ, y): the notebook's loss with its arguments swapped. The squared error is symmetric; cross-entropy
    then takes the log of the target (log 0 = −∞ at targets 0 and 1), as the notebook's formula computes it."""
    if net.loss is not binary_cross_entropy:
        return float((y - y_hat) ** 2)
    with np.errstate(all="ignore"):
        return float(-y_hat * np.log(y) - (1 - y_hat) * np.log(1 - y))


def full_data_mse(net: Network, X, y, params: Params) -> float:
    """Mean of the per-sample loss over a data set, at fixed parameters."""
    return float(np.mean([oracle.loss(net, xi, yi, params) for xi, yi in zip(X, y, strict=False)]))
