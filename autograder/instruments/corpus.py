"""Wrong and correct submissions of every assignment, to measure how often feedback names the
mistake (`backprop-course diagnoses`) and to prove a correct answer is never accused.

Each entry edits the instructor's solution the way a learner who followed the notebook's own
instructions might get it wrong (or right in another style). They were written from the
notebooks and from the bugs learners post on course forums, not from the grader's catalogue:
an entry is not allowed to know which diagnosis, if any, will fire.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from autograder.instruments.samples import Edit, Sample, change_answer, replace, rewrite


@dataclass(frozen=True)
class Entry:
    assignment: str
    name: str
    correct: bool
    edits: tuple[Edit, ...]

    def sample(self) -> Sample:
        return Sample(f"{self.assignment}-{self.name}", self.name, edits={self.assignment: self.edits})


def _ok(assignment: str, name: str, *edits: Edit) -> Entry:
    return Entry(assignment, name, True, edits)


def _bad(assignment: str, name: str, *edits: Edit) -> Entry:
    return Entry(assignment, name, False, edits)


# --- 0. warm-up ---------------------------------------------------------------------------------

W = "warmup"
WARMUP = (
    _ok(W, "ŷ − y form, σ' from σ(z)",
        replace("chain_factors", "-2.0 * (y - y_hat)", "2 * (y_hat - y)"),
        replace("chain_factors", "y_hat * (1.0 - y_hat)", "sigmoid(z) * (1 - sigmoid(z))")),
    _ok(W, "per-sample loops", rewrite("chain_product", '''def chain_product(factors):
    out = {"w": np.zeros(len(factors["dz_dw"])), "b": np.zeros(len(factors["dz_db"]))}
    for i in range(len(factors["dz_dw"])):
        d = factors["dL_dyhat"][i] * factors["dyhat_dz"][i]
        out["w"][i] = d * factors["dz_dw"][i]
        out["b"][i] = d * factors["dz_db"][i]
    return out''')),
    _ok(W, "step through the chain directly", rewrite("step", '''def step(x, y, w, b, lr, activation):
    f = chain_factors(np.array([x]), np.array([y]), w, b, activation)
    g = f["dL_dyhat"][0] * f["dyhat_dz"][0]
    return float(w - lr * g * x), float(b - lr * g)''')),
    _ok(W, "formula expanded", replace("by_hand", "-2 * (y - s) * s * (1 - s) * x", "2*x*(s - y)*(s - s**2)")),
    _bad(W, "missing 2 in ∂L/∂ŷ", replace("chain_factors", "-2.0 * (y - y_hat)", "-(y - y_hat)")),
    _bad(W, "∂L/∂ŷ sign", replace("chain_factors", "-2.0 * (y - y_hat)", "2.0 * (y - y_hat)")),
    _bad(W, "σ' at z", replace("chain_factors", "y_hat * (1.0 - y_hat)", "z * (1.0 - z)")),
    _bad(W, "σ' as σ(z) alone", replace("chain_factors", "y_hat * (1.0 - y_hat)", "y_hat")),
    _bad(W, "tanh' for a sigmoid", replace("chain_factors", "y_hat * (1.0 - y_hat)", "1.0 - y_hat ** 2")),
    _bad(W, "∂z/∂w as w", replace("chain_factors", "np.asarray(x, dtype=np.float64).copy()", "np.full_like(z, w)")),
    _bad(W, "bias treated as a weight", replace("chain_factors", "dz_db = np.ones_like(z)", "dz_db = np.asarray(x, dtype=np.float64).copy()")),
    _bad(W, "product adds the links", replace("chain_product", 'dL_dz = factors["dL_dyhat"] * factors["dyhat_dz"]',
                                                'dL_dz = factors["dL_dyhat"] + factors["dyhat_dz"]')),
    _bad(W, "product skips ∂ŷ/∂z", replace("chain_product", 'dL_dz = factors["dL_dyhat"] * factors["dyhat_dz"]',
                                             'dL_dz = factors["dL_dyhat"]')),
    _bad(W, "step climbs", replace("step", "float(w - lr * grads", "float(w + lr * grads")),
    _bad(W, "step without lr", replace("step", 'float(w - lr * grads["w"][0]), float(b - lr * grads["b"][0])',
                                       'float(w - grads["w"][0]), float(b - grads["b"][0])')),
    _bad(W, "step moves w only", replace("step", 'float(b - lr * grads["b"][0])', "float(b)")),
    _bad(W, "formula without x", replace("by_hand", "* (1 - s) * x", "* (1 - s)")),
    _bad(W, "formula without 2", replace("by_hand", "-2 * (y - s)", "-(y - s)")),
    _bad(W, "formula with σ' missing", replace("by_hand", "-2 * (y - s) * s * (1 - s) * x", "-2 * (y - s) * x")),
    _bad(W, "formula sign", replace("by_hand", "-2 * (y - s)", "2 * (y - s)")),
)

# --- 1, 2. the 2-2-1 networks -----------------------------------------------------------------------

_LOOPED_BACKWARD = '''def backward(y, y_hat, cache, params):
    x, h = cache["x"], cache["h"]
    dz2 = {dz2}
    grads = {{"W1": np.zeros((2, 2)), "b1": np.zeros(2), "W2": np.zeros(2), "b2": float(dz2)}}
    for j in range(2):
        grads["W2"][j] = dz2 * h[j]
        dz1_j = dz2 * params["W2"][j] * {slope}
        grads["b1"][j] = dz1_j
        for i in range(2):
            grads["W1"][i, j] = x[i] * dz1_j
    return grads'''

_LIST_TRAIN = '''def train(X, y, params, lr, epochs):
    history = []
    for _ in range(epochs):
        per_sample = []
        for i in range(len(X)):
            y_hat, cache = forward(X[i], params)
            per_sample.append(loss(y[i], y_hat))
            grads = backward(y[i], y_hat, cache, params)
            params = update(params, grads, lr)
        history.append(sum(per_sample) / len(per_sample))
    return np.array(history, dtype=np.float64), params'''


def _two_layer_common(a: str) -> tuple[Entry, ...]:
    """Mistakes and styles of the parts the two 2-2-1 notebooks share (update, loop, indices)."""
    return (
        _ok(a, "einsum for ∂L/∂W1", replace("backward", "np.outer(x, dz1)", 'np.einsum("i,j->ij", x, dz1)')),
        _ok(a, "update on copies", rewrite("update", '''def update(params, grads, lr):
    new = {k: np.array(v, dtype=np.float64, copy=True) for k, v in params.items()}
    for k in new:
        new[k] -= lr * grads[k]
    return new''')),
        _ok(a, "loop collecting a list", rewrite("train", _LIST_TRAIN)),
        _bad(a, "bias treated as a weight", replace("backward", "db1 = dz1", "db1 = dz1 * x")),
        _bad(a, "∂L/∂W1 indices swapped", replace("backward", "np.outer(x, dz1)", "np.outer(dz1, x)")),
        _bad(a, "W2 taken for h in ∂L/∂W2", replace("backward", "dW2 = dz2 * h", 'dW2 = dz2 * params["W2"]')),
        _bad(a, "hidden error skips W2", replace("backward", 'dh = dz2 * params["W2"]', 'dh = dz2 * np.ones(2)')),
        _bad(a, "∂L/∂b2 summed like a weight", replace("backward", "db2 = dz2", "db2 = np.sum(dW2)")),
        _bad(a, "forward with W1 transposed", replace("forward", 'z1 = x @ params["W1"]', 'z1 = params["W1"] @ x')),
        _bad(a, "update climbs", replace("update", 'params[name] - lr * grads[name]', 'params[name] + lr * grads[name]')),
        _bad(a, "update without lr", replace("update", 'params[name] - lr * grads[name]', 'params[name] - grads[name]')),
        _bad(a, "loop drops the updated parameters", replace("train", "params = update(", "new_params = update(")),
        _bad(a, "loop sums the epoch loss", replace("train", "epoch_losses[epoch] = total / len(X)",
                                                    "epoch_losses[epoch] = total")),
        _bad(a, "loop visits rows backwards", replace("train", "zip(X, y)", "zip(X[::-1], y[::-1])")),
        _bad(a, "loop one epoch short", replace("train", "for epoch in range(epochs):",
                                                "for epoch in range(1, epochs):")),
        _bad(a, "loop loss after the update", replace("train", '''            total += loss(y_i, y_hat)
            params = update(params, backward(y_i, y_hat, cache, params), lr)''', '''            params = update(params, backward(y_i, y_hat, cache, params), lr)
            total += loss(y_i, forward(x_i, params)[0])''')),
        _bad(a, "loop updates once per epoch", replace("train", '''            params = update(params, backward(y_i, y_hat, cache, params), lr)
        epoch_losses''', '''            grads = backward(y_i, y_hat, cache, params)
        params = update(params, grads, lr)
        epoch_losses''')),
    )


R = "regression"
REGRESSION = (
    _ok(R, "scalar loops", rewrite("backward", _LOOPED_BACKWARD.format(dz2="2.0 * (y_hat - y)", slope="1.0"))),
    *_two_layer_common(R),
    _bad(R, "missing 2 in ∂L/∂ŷ", replace("backward", "dy_hat = -2.0 * (y - y_hat)", "dy_hat = -(y - y_hat)")),
    _bad(R, "∂L/∂ŷ sign", replace("backward", "dy_hat = -2.0 * (y - y_hat)", "dy_hat = 2.0 * (y - y_hat)")),
    _bad(R, "x taken for h in ∂L/∂W2", replace("backward", "dW2 = dz2 * h", "dW2 = dz2 * x")),
)

C = "classification"
CLASSIFICATION = (
    _ok(C, "scalar loops", rewrite("backward", _LOOPED_BACKWARD.format(dz2="y_hat - y", slope="h[j] * (1.0 - h[j])"))),
    _ok(C, "unsimplified ∂L/∂ŷ·σ'", replace("backward", "dz2 = y_hat - y",
                                           "dz2 = (-y / y_hat + (1 - y) / (1 - y_hat)) * y_hat * (1 - y_hat)")),
    *_two_layer_common(C),
    _bad(C, "σ' at z", replace("backward", "dh * h * (1.0 - h)", 'dh * cache["z1"] * (1.0 - cache["z1"])')),
    _bad(C, "σ' left out of the hidden layer", replace("backward", "dz1 = dh * h * (1.0 - h)", "dz1 = dh")),
    _bad(C, "tanh' for a sigmoid", replace("backward", "dh * h * (1.0 - h)", "dh * (1.0 - h ** 2)")),
    _bad(C, "σ' applied twice", replace("backward", "dh * h * (1.0 - h)", "dh * sigmoid(h) * (1.0 - sigmoid(h))")),
    _bad(C, "output σ' counted twice", replace("backward", "dz2 = y_hat - y", "dz2 = (y_hat - y) * y_hat * (1 - y_hat)")),
    _bad(C, "squared-error output link", replace("backward", "dz2 = y_hat - y",
                                                 "dz2 = -2 * (y - y_hat) * y_hat * (1 - y_hat)")),
    _bad(C, "output error sign", replace("backward", "dz2 = y_hat - y", "dz2 = y - y_hat")),
    _bad(C, "z1 taken for h in ∂L/∂W2", replace("backward", "dW2 = dz2 * h", 'dW2 = dz2 * cache["z1"]')),
)

# --- 3. XOR, batched ---------------------------------------------------------------------------------

X_ = "xor"
XOR = (
    _ok(X_, "einsum and np.mean", replace("backward", 'dW2 = cache["H"].T @ dZ2', 'dW2 = np.einsum("ni,nj->ij", cache["H"], dZ2)'),
        replace("backward", "dW1 = cache[\"X\"].T @ dZ1", 'dW1 = np.einsum("ni,nj->ij", cache["X"], dZ1)')),
    _ok(X_, "ŷ − y form, np.sum", replace("backward", "dY_hat = -2.0 * (Y - Y_hat) / n", "dY_hat = 2 * (Y_hat - Y) / len(Y)"),
        replace("backward", "db1 = dZ1.sum(axis=0)", "db1 = np.sum(dZ1, axis=0)")),
    _ok(X_, "row by row", rewrite("backward", '''def backward(Y, Y_hat, cache, params):
    n = len(Y)
    g = {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()}
    for r in range(n):
        h, x = cache["H"][r], cache["X"][r]
        dz2 = 2.0 * (Y_hat[r, 0] - Y[r, 0]) * Y_hat[r, 0] * (1.0 - Y_hat[r, 0]) / n
        g["W2"][:, 0] += h * dz2
        g["b2"][0] += dz2
        dz1 = dz2 * params["W2"][:, 0] * h * (1.0 - h)
        g["W1"] += np.outer(x, dz1)
        g["b1"] += dz1
    return g''')),
    _ok(X_, "update loop over a list", replace("train", "params = {name: params[name] - lr * grads[name] for name in params}",
                                               "params = dict(params)\n        for name in list(params):\n"
                                               "            params[name] = params[name] - lr * grads[name]")),
    _bad(X_, "no 1/n", replace("backward", "dY_hat = -2.0 * (Y - Y_hat) / n", "dY_hat = -2.0 * (Y - Y_hat)")),
    _bad(X_, "missing 2", replace("backward", "dY_hat = -2.0 * (Y - Y_hat) / n", "dY_hat = -(Y - Y_hat) / n")),
    _bad(X_, "sign", replace("backward", "dY_hat = -2.0 * (Y - Y_hat) / n", "dY_hat = 2.0 * (Y - Y_hat) / n")),
    _bad(X_, "σ' at Z in the hidden layer", replace("backward", 'dH * cache["H"] * (1.0 - cache["H"])',
                                                   'dH * cache["Z1"] * (1.0 - cache["Z1"])')),
    _bad(X_, "σ' at Z at the output", replace("backward", "dY_hat * Y_hat * (1.0 - Y_hat)",
                                             'dY_hat * cache["Z2"] * (1.0 - cache["Z2"])')),
    _bad(X_, "σ' left out of the hidden layer", replace("backward", 'dZ1 = dH * cache["H"] * (1.0 - cache["H"])', "dZ1 = dH")),
    _bad(X_, "output σ' left out", replace("backward", "dZ2 = dY_hat * Y_hat * (1.0 - Y_hat)", "dZ2 = dY_hat")),
    _bad(X_, "∂L/∂b2 averaged again", replace("backward", "db2 = dZ2.sum(axis=0)", "db2 = dZ2.mean(axis=0)")),
    _bad(X_, "∂L/∂b1 divided by n again", replace("backward", "db1 = dZ1.sum(axis=0)", "db1 = dZ1.sum(axis=0) / n")),
    _bad(X_, "∂L/∂W2 transposed", replace("backward", 'dW2 = cache["H"].T @ dZ2', 'dW2 = (dZ2.T @ cache["H"]).T.T')),
    _bad(X_, "Z1 taken for H in ∂L/∂W2", replace("backward", 'dW2 = cache["H"].T @ dZ2', 'dW2 = cache["Z1"].T @ dZ2')),
    _bad(X_, "loop drops the new parameters", replace("train", "params = {name:", "new_params = {name:")),
    _bad(X_, "loop loss after the update", replace("train", '''        losses[epoch] = mse(Y, Y_hat)
        grads = backward(Y, Y_hat, cache, params)
        params = {name: params[name] - lr * grads[name] for name in params}''', '''        grads = backward(Y, Y_hat, cache, params)
        params = {name: params[name] - lr * grads[name] for name in params}
        losses[epoch] = mse(Y, forward(X, params)[0])''')),
    _bad(X_, "loop updates W2 before W1's gradient", replace("train", '''        grads = backward(Y, Y_hat, cache, params)
        params = {name: params[name] - lr * grads[name] for name in params}''', '''        grads = backward(Y, Y_hat, cache, params)
        params = dict(params, W2=params["W2"] - lr * grads["W2"], b2=params["b2"] - lr * grads["b2"])
        grads = backward(Y, Y_hat, cache, params)
        params = dict(params, W1=params["W1"] - lr * grads["W1"], b1=params["b1"] - lr * grads["b1"])''')),
    _bad(X_, "loop climbs", replace("train", "params[name] - lr * grads[name]", "params[name] + lr * grads[name]")),
    _bad(X_, "forward caches Z1 as H", replace("forward", '"H": H', '"H": Z1')),
)

# --- 4. layers ---------------------------------------------------------------------------------------

L_ = "layers"
LAYERS = (
    _ok(L_, "einsum dense, ReLU slope from A", replace("dense", "return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=0)",
                                                      'return np.einsum("nk,jk->nj", dZ, W), np.einsum("ni,nk->ik", A_prev, dZ), '
                                                      "np.sum(dZ, axis=0)"),
        replace("activations", '"relu": lambda: (Z > 0).astype(np.float64)', '"relu": lambda: np.where(A > 0, 1.0, 0.0)')),
    _ok(L_, "slopes from Z", replace("activations", '"sigmoid": lambda: A * (1.0 - A)',
                                     '"sigmoid": lambda: np.exp(-Z) / (1.0 + np.exp(-Z)) ** 2'),
        replace("activations", '"tanh": lambda: 1.0 - A ** 2', '"tanh": lambda: 1.0 / np.cosh(Z) ** 2')),
    _ok(L_, "losses with np.mean", replace("losses", "return float(np.sum((Y - Y_hat) ** 2) / n), -2.0 * (Y - Y_hat) / n",
                                           "return float(np.mean(np.sum((Y - Y_hat) ** 2, axis=1))), 2 * (Y_hat - Y) / n")),
    _ok(L_, "model_backward with reversed()", replace("model", '''    for layer in range(len(caches), 0, -1):
        dense_cache, act_cache = caches[layer - 1]''', '''    for layer, (dense_cache, act_cache) in reversed(list(enumerate(caches, start=1))):''')),
    _bad(L_, "dense db averaged", replace("dense", "dZ.sum(axis=0)", "dZ.mean(axis=0)")),
    _bad(L_, "dense dW divided by n", replace("dense", "A_prev.T @ dZ,", "A_prev.T @ dZ / len(dZ),")),
    _bad(L_, "dense dA_prev without W", replace("dense", "return dZ @ W.T,", "return dZ @ np.ones_like(W).T,")),
    _bad(L_, "sigmoid' at Z", replace("activations", '"sigmoid": lambda: A * (1.0 - A)', '"sigmoid": lambda: Z * (1.0 - Z)')),
    _bad(L_, "tanh' at Z", replace("activations", '"tanh": lambda: 1.0 - A ** 2', '"tanh": lambda: 1.0 - Z ** 2')),
    _bad(L_, "tanh' without the square", replace("activations", '"tanh": lambda: 1.0 - A ** 2', '"tanh": lambda: 1.0 - A')),
    _bad(L_, "ReLU' at 0 is 1", replace("activations", "(Z > 0).astype", "(Z >= 0).astype")),
    _bad(L_, "returns the slope, not dA·slope", replace("activations", "return dA * slope", "return slope")),
    _bad(L_, "mse gradient without 1/n", replace("losses", "-2.0 * (Y - Y_hat) / n", "-2.0 * (Y - Y_hat)")),
    _bad(L_, "mse gradient missing 2", replace("losses", "-2.0 * (Y - Y_hat) / n", "-(Y - Y_hat) / n")),
    _bad(L_, "bce gradient sign", replace("losses", "(-Y / Y_hat + (1.0 - Y) / (1.0 - Y_hat)) / n",
                                          "(Y / Y_hat - (1.0 - Y) / (1.0 - Y_hat)) / n")),
    _bad(L_, "bce loss summed", replace("losses", "(1.0 - Y) * np.log(1.0 - Y_hat)) / n", "(1.0 - Y) * np.log(1.0 - Y_hat))")),
    _bad(L_, "model_backward skips the activation", replace("model", "dZ = activation_backward(dA, act_cache)", "dZ = dA")),
    _bad(L_, "model_backward names layers from the front", replace("model", 'grads[f"W{layer}"], grads[f"b{layer}"]',
                                                                   'grads[f"W{len(caches) - layer + 1}"], '
                                                                   'grads[f"b{len(caches) - layer + 1}"]')),
    _bad(L_, "gradient check with absolute error", replace("gradient_check", "/ np.maximum(np.abs(grads[name]) + np.abs(numeric[name]), 1e-8)", "")),
    _bad(L_, "numerical gradient forgets to restore", replace("gradient_check", "            value[idx] = old\n", "")),
)

# --- 5. why ------------------------------------------------------------------------------------------

Y_ = "why"
WHY = (
    _ok(Y_, "regime with counters", replace("lr_regime", "np.sum(np.diff(L) > 0)", "sum(1 for a, b in zip(L, L[1:]) if b > a)")),
    _ok(Y_, "stopping with a while loop", rewrite("train_until", '''def train_until(X, y, params, lr, tol, max_epochs):
    losses = []
    while len(losses) < max_epochs:
        loss, params = sgd_epoch(X, y, params, lr)
        losses.append(loss)
        if not np.isfinite(loss):
            break
        if len(losses) > 1 and abs(losses[-1] - losses[-2]) < tol:
            break
    return len(losses), np.array(losses, dtype=np.float64)''')),
    _ok(Y_, "norms by hand", replace("layer_gradient_norms", 'np.linalg.norm(grads[f"W{l}"])',
                                     'np.sqrt(np.sum(grads[f"W{l}"] ** 2))')),
    _ok(Y_, "norms in a loop", rewrite("layer_gradient_norms", '''def layer_gradient_norms(X, Y, params, activations):
    grads = network_gradients(X, Y, params, activations)
    out = np.zeros(len(activations))
    for l in range(len(activations)):
        out[l] = np.linalg.norm(grads["W" + str(l + 1)], "fro")
    return out''')),
    _bad(Y_, "diverges when last ≥ first", replace("lr_regime", "L[-1] > L[0]", "L[-1] >= L[0]")),
    _bad(Y_, "oscillates above 10% only", replace("lr_regime", ">= 0.1 * (len(L) - 1)", "> 0.1 * (len(L) - 1)")),
    _bad(Y_, "slow at exactly half", replace("lr_regime", "> 0.5 * L[0]", ">= 0.5 * L[0]")),
    _bad(Y_, "slow judged on the second loss", replace("lr_regime", "L[max(1, len(L) // 10)]", "L[1]")),
    _bad(Y_, "divergence ignores NaN", replace("lr_regime", "not np.all(np.isfinite(L)) or L[-1] > L[0]", "L[-1] > L[0]")),
    _bad(Y_, "oscillation tested first", replace("lr_regime", '''    if not np.all(np.isfinite(L)) or L[-1] > L[0]:
        return "diverges"
    if np.sum(np.diff(L) > 0) >= 0.1 * (len(L) - 1):
        return "oscillates"''', '''    if np.all(np.isfinite(L)) and np.sum(np.diff(L) > 0) >= 0.1 * (len(L) - 1):
        return "oscillates"
    if not np.all(np.isfinite(L)) or L[-1] > L[0]:
        return "diverges"''')),
    _bad(Y_, "stops one epoch late", replace("train_until", "return len(losses), np.array(losses)",
                                             "return len(losses) + 1, np.array(losses)")),
    _bad(Y_, "stops on relative change", replace("train_until", "abs(losses[-1] - losses[-2]) < tol",
                                                 "abs(losses[-1] - losses[-2]) < tol * abs(losses[-2])")),
    _bad(Y_, "stopping compares with the first loss", replace("train_until", "abs(losses[-1] - losses[-2]) < tol",
                                                              "abs(losses[-1] - losses[0]) < tol")),
    _bad(Y_, "stopping never checks NaN", replace("train_until", "not np.isfinite(loss) or ", "")),
    _bad(Y_, "stopping returns the epoch index", replace("train_until", "return len(losses), np.array(losses)",
                                                         "return epoch - 1, np.array(losses)")),
    _bad(Y_, "squared norms", replace("layer_gradient_norms", 'np.linalg.norm(grads[f"W{l}"])', 'np.sum(grads[f"W{l}"] ** 2)')),
    _bad(Y_, "output layer first", replace("layer_gradient_norms", "range(1, len(activations) + 1)", "range(len(activations), 0, -1)")),
    _bad(Y_, "spectral norm", replace("layer_gradient_norms", 'np.linalg.norm(grads[f"W{l}"])', 'np.linalg.norm(grads[f"W{l}"], 2)')),
    _bad(Y_, "bias norms", replace("layer_gradient_norms", 'grads[f"W{l}"]', 'grads[f"b{l}"]')),
)

# --- 6. softmax --------------------------------------------------------------------------------------

S_ = "softmax"
SOFTMAX = (
    _ok(S_, "np.eye one-hot, einsum", rewrite("one_hot", """def one_hot(labels, K):
    return np.eye(K)[labels]"""), replace("backward", 'dW2 = cache["H"].T @ dZ2', 'dW2 = np.einsum("nh,nk->hk", cache["H"], dZ2)')),
    _ok(S_, "softmax by log-sum-exp", rewrite("softmax", """def softmax(Z):
    m = np.max(Z, axis=1, keepdims=True)
    log_sum = m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))
    return np.exp(Z - log_sum)""")),
    _ok(S_, "loss as the mean of row sums", replace("cross_entropy", "return float(-np.sum(Y * np.log(P)) / Y.shape[0])",
                                                   "return float(np.mean(-np.sum(Y * np.log(P), axis=1)))")),
    _ok(S_, "full Jacobian row by row", replace("backward", "dZ2 = (P - Y) / n", """dZ2 = np.zeros_like(P)
    for i in range(n):
        J = np.diag(P[i]) - np.outer(P[i], P[i])
        dZ2[i] = J @ (-Y[i] / P[i]) / n""")),
    _ok(S_, "update loop over a list", replace("train", "params = {name: params[name] - lr * grads[name] for name in params}",
                                               "params = dict(params)\n        for name in list(params):\n"
                                               "            params[name] = params[name] - lr * grads[name]")),
    _bad(S_, "softmax without the max shift", replace("softmax", "E = np.exp(Z - Z.max(axis=1, keepdims=True))", "E = np.exp(Z)")),
    _bad(S_, "softmax shifted by the global max", replace("softmax", "Z.max(axis=1, keepdims=True)", "Z.max()")),
    _bad(S_, "softmax down the columns", replace("softmax", "Z.max(axis=1, keepdims=True)", "Z.max(axis=0, keepdims=True)"),
         replace("softmax", "E.sum(axis=1, keepdims=True)", "E.sum(axis=0, keepdims=True)")),
    _bad(S_, "softmax over the whole batch", replace("softmax", "E / E.sum(axis=1, keepdims=True)", "E / E.sum()")),
    _bad(S_, "one-hot from 1", replace("one_hot", "labels] = 1.0", "labels - 1] = 1.0")),
    _bad(S_, "one-hot K from the labels", replace("one_hot", "np.zeros((labels.shape[0], K))",
                                                  "np.zeros((labels.shape[0], labels.max() + 1))")),
    _bad(S_, "loss summed", replace("cross_entropy", "np.log(P)) / Y.shape[0])", "np.log(P)))")),
    _bad(S_, "loss np.mean over every entry", replace("cross_entropy", "return float(-np.sum(Y * np.log(P)) / Y.shape[0])",
                                                      "return float(-np.mean(Y * np.log(P)))")),
    _bad(S_, "loss sign", replace("cross_entropy", "float(-np.sum(", "float(np.sum(")),
    _bad(S_, "softmax Jacobian elementwise", replace("backward", "dZ2 = (P - Y) / n", "dZ2 = (-Y / P) * P * (1 - P) / n")),
    _bad(S_, "P(1 − P) after P − Y", replace("backward", "dZ2 = (P - Y) / n", "dZ2 = (P - Y) / n * P * (1 - P)")),
    _bad(S_, "no 1/n", replace("backward", "dZ2 = (P - Y) / n", "dZ2 = P - Y")),
    _bad(S_, "output error sign", replace("backward", "dZ2 = (P - Y) / n", "dZ2 = (Y - P) / n")),
    _bad(S_, "∂L/∂b1 divided by n again", replace("backward", "db1 = dZ1.sum(axis=0)", "db1 = dZ1.sum(axis=0) / n")),
    _bad(S_, "tanh' at Z1", replace("backward", 'tanh_slope(cache["H"])', 'tanh_slope(cache["Z1"])')),
    _bad(S_, "tanh' left out", replace("backward", 'dZ1 = dH * tanh_slope(cache["H"])', "dZ1 = dH")),
    _bad(S_, "sigmoid's slope", replace("backward", 'tanh_slope(cache["H"])', '(cache["H"] * (1 - cache["H"]))')),
    _bad(S_, "∂L/∂W2 transposed", replace("backward", 'dW2 = cache["H"].T @ dZ2', 'dW2 = dZ2.T @ cache["H"]')),
    _bad(S_, "forward caches Z1 as H", replace("forward", '"H": H', '"H": Z1')),
    _bad(S_, "loop loss of the logits", replace("train", "losses[epoch] = cross_entropy(Y, P)",
                                                'losses[epoch] = cross_entropy(Y, cache["Z2"])')),
    _bad(S_, "loop keeps index labels", replace("train", 'Y = one_hot(labels, params["W2"].shape[1])',
                                                "Y = labels.reshape(-1, 1).astype(float)")),
    _bad(S_, "loop K from the labels", replace("train", 'one_hot(labels, params["W2"].shape[1])',
                                               "one_hot(labels, labels.max() + 1)")),
    _bad(S_, "loop loss after the update", replace("train", """        losses[epoch] = cross_entropy(Y, P)
        grads = backward(Y, P, cache, params)
        params = {name: params[name] - lr * grads[name] for name in params}""", """        grads = backward(Y, P, cache, params)
        params = {name: params[name] - lr * grads[name] for name in params}
        losses[epoch] = cross_entropy(Y, forward(X, params)[0])""")),
    _bad(S_, "loop drops the new parameters", replace("train", "params = {name:", "new_params = {name:")),
    _bad(S_, "loop climbs", replace("train", "params[name] - lr * grads[name]", "params[name] + lr * grads[name]")),
)

# --- 7. quiz -----------------------------------------------------------------------------------------

Q = "quiz"


def _sign(v) -> str:
    return repr(f"-({v})") if isinstance(v, str) else repr(-v)


def _times(k: float):
    return lambda v: repr(f"({v})*{k}") if isinstance(v, str) else repr(v * k)


def _expanded(v: str) -> str:
    import sympy as sp

    return repr(str(sp.expand(sp.sympify(v))))


# Each learner's quiz has their own numbers: a style is a function of the right answer.
QUIZ = (
    _ok(Q, "formulas rearranged", change_answer("E06", _expanded), change_answer("E14", _expanded)),
    _ok(Q, "fractions and rounding", change_answer("E15", lambda v: str(Fraction(v).limit_denominator(100))),
        change_answer("E12", lambda v: f"{v:.4g}")),
    _ok(Q, "shape with a trailing comma", change_answer("M02", lambda s: f"({s[0]}, {s[1]},)"),
        change_answer("E23", lambda v: repr(f"-(-({v}))"))),
    _ok(Q, "numbers as expressions", change_answer("M07", lambda v: f"2 ** {round(math.log2(v))}"),
        change_answer("E07", lambda v: f"{round(v * 1000)} / 1000")),
    _bad(Q, "E06 halved", change_answer("E06", _times(0.5))),
    _bad(Q, "E06 sign", change_answer("E06", _sign)),
    _bad(Q, "E14 1 + a", change_answer("E14", lambda v: repr(v.replace("1 - a", "1 + a")))),
    _bad(Q, "E23 sign", change_answer("E23", _sign)),
    _bad(Q, "E09 sign", change_answer("E09", _sign)),
    _bad(Q, "E10 halved", change_answer("E10", _times(0.5))),
    _bad(Q, "E07 doubled", change_answer("E07", _times(2))),
    _bad(Q, "E11 sign", change_answer("E11", _sign)),
    _bad(Q, "M02 transposed", change_answer("M02", lambda s: repr(s[::-1]))),
    _bad(Q, "M22 transposed", change_answer("M22", lambda s: repr(s[::-1]))),
    _bad(Q, "M11 sign", change_answer("M11", _sign)),
    _bad(Q, "E08 off by 10", change_answer("E08", _times(0.1))),
    _bad(Q, "M18 halved", change_answer("M18", _times(0.5))),
    _bad(Q, "E12 doubled", change_answer("E12", _times(2))),
    _bad(Q, "E15 reciprocal", change_answer("E15", lambda v: repr(1 / v))),
    _bad(Q, "E07 with the bank's numbers", change_answer("E07", lambda v: "0.32")),
)

# Added after the draws were made independent of the course secret (`instruments/draws.py`): each is
# caught, or kept full, only by a hidden run that every draw now has. Appended, so that the entries above
# keep their student ids (and the quiz its numbers).
WHY_DRAWS = (
    _ok(Y_, "stopping returns a plain list", replace("train_until", "return len(losses), np.array(losses)",
                                                     "return len(losses), [float(v) for v in losses]")),
    _ok(Y_, "regime with the share of rises", replace("lr_regime", "np.sum(np.diff(L) > 0) >= 0.1 * (len(L) - 1)",
                                                      "np.mean(np.diff(L) > 0) >= 0.1")),
    _bad(Y_, "tenth without max(1, ·)", replace("lr_regime", "L[max(1, len(L) // 10)]", "L[len(L) // 10]")),
    _bad(Y_, "runs one epoch past the rule", replace("train_until", "(epoch >= 2 and abs(losses[-1] - losses[-2]) < tol)",
                                                     "(epoch >= 3 and abs(losses[-2] - losses[-3]) < tol)")),
    _bad(Y_, "loop one short of max_epochs", replace("train_until", "range(1, max_epochs + 1)", "range(1, max_epochs)")),
)

ENTRIES: tuple[Entry, ...] = WARMUP + REGRESSION + CLASSIFICATION + XOR + LAYERS + WHY + SOFTMAX + QUIZ + WHY_DRAWS
