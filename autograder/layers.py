"""Assignment 4, the general backward pass: any depth, any width, four activations, two losses.

The oracle is derived **per layer** (Goodfellow 6.5's computational graph): sympy differentiates
each activation and each loss once, and derives the dense layer's vector-Jacobian products by
matrix calculus on symbolic sizes (Z = A·W + 1·bᵀ ⇒ ∂/∂A, ∂/∂W, ∂/∂b of tr(Gᵀ Z)). A network of
any shape is then a composition of compiled pieces, so sympy's cost does not grow with depth or
width. `tests/test_oracle.py` checks the composition against sympy differentiating a whole small
network entry by entry.

Conventions (the notebook's): X (n, d0); layer l has W{l} (d_{l-1}, d_l), b{l} (d_l,);
Y (n, d_L); the loss is the mean over the n samples of the per-sample loss summed over outputs.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp

from autograder import points, sandbox

z, a, y, y_hat = sp.symbols("z a y y_hat", real=True)
ACTIVATIONS = {
    "linear": z,
    "sigmoid": 1 / (1 + sp.exp(-z)),
    "tanh": sp.tanh(z),
    "relu": sp.Piecewise((0, z <= 0), (z, True)),  # so ReLU'(0) = 0
}
LOSSES = {
    "mse": (y - y_hat) ** 2,
    "bce": -y * sp.log(y_hat) - (1 - y) * sp.log(1 - y_hat),
}


def output_form(kind: str) -> sp.Expr | None:
    """act'(z) written with the output a = act(z) (sigmoid: a(1 − a), tanh: 1 − a²), by sympy;
    None where the slope cannot be read off the output."""
    if kind not in ("sigmoid", "tanh"):
        return None
    derivative = sp.diff(ACTIVATIONS[kind], z)
    direct = derivative.subs(ACTIVATIONS[kind], a)  # tanh' = 1 − tanh² reads off at once
    if z not in direct.free_symbols:
        return direct
    z_of_a = sp.solve(sp.Eq(ACTIVATIONS[kind], a), z)[0]
    return sp.simplify(derivative.subs(z, z_of_a))


@cache
def _activation(kind: str):
    """(act, act', act' at the wrong place or None) as elementwise numpy functions."""
    f = sp.lambdify(z, ACTIVATIONS[kind], "numpy")
    df = sp.lambdify(z, sp.diff(ACTIVATIONS[kind], z), "numpy")
    wrong = output_form(kind)
    at_z = sp.lambdify(z, wrong.subs(a, z), "numpy") if wrong is not None else None
    return f, df, at_z


@cache
def _loss(kind: str):
    return sp.lambdify((y, y_hat), LOSSES[kind], "numpy"), sp.lambdify((y, y_hat), sp.diff(LOSSES[kind], y_hat), "numpy")


@cache
def _dense_vjp():
    """(A, W, b, G, n) ↦ (∂/∂A, ∂/∂W, ∂/∂b) of tr(Gᵀ Z), Z = A·W + 1·bᵀ: derived once, any sizes."""
    n, k, m = sp.symbols("n k m", integer=True, positive=True)
    A, W = sp.MatrixSymbol("A", n, k), sp.MatrixSymbol("W", k, m)
    b, G = sp.MatrixSymbol("b", m, 1), sp.MatrixSymbol("G", n, m)
    f = sp.Trace(G.T * (A * W + sp.OneMatrix(n, 1) * b.T))
    return sp.lambdify((A, W, b, G, n), [f.diff(A), f.diff(W), f.diff(b)], "numpy")


def _elementwise(fn, values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(fn(values), dtype=np.float64), values.shape).copy()


# --- the reference pieces, with the notebook's signatures ---------------------------------------


def dense_forward(A_prev, W, b):
    """A_prev (n, d_in), W (d_in, d_out), b (d_out,) → (Z (n, d_out), cache)."""
    return A_prev @ W + b, (A_prev, W, b)


def dense_backward(dZ, cache):
    """dZ (n, d_out) → (dA_prev (n, d_in), dW (d_in, d_out), db (d_out,))."""
    A_prev, W, b = cache
    dA, dW, db = _dense_vjp()(A_prev, W, b.reshape(-1, 1), dZ, dZ.shape[0])
    return np.asarray(dA, dtype=np.float64), np.asarray(dW, dtype=np.float64), np.asarray(db, dtype=np.float64).reshape(-1)


def activation_forward(Z, kind):
    return _elementwise(_activation(kind)[0], Z), (Z, kind)


def activation_backward(dA, cache, at_z: bool = False):
    """dA ⊙ act'(Z). `at_z` reproduces the mistake of using act'-in-terms-of-a at Z."""
    Z, kind = cache
    slope = _activation(kind)[2] if at_z and _activation(kind)[2] is not None else _activation(kind)[1]
    return dA * _elementwise(slope, Z)


def loss_forward_backward(Y_hat, Y, kind, scale: float = 1.0, per_batch: bool = True):
    """(L, dY_hat): L = mean over samples of the per-sample loss summed over outputs.
    `scale` / `per_batch=False` reproduce the missing ×2, sign-flip and summed-batch mistakes."""
    f, df = _loss(kind)
    n = Y.shape[0]
    with np.errstate(all="ignore"):
        L = float(np.sum(_elementwise(lambda t: f(Y, t), Y_hat)) / n)
        d = _elementwise(lambda t: df(Y, t), Y_hat) * scale
    return L, d / n if per_batch else d


def model_forward(X, params, activations):
    caches, A = [], X
    for layer, kind in enumerate(activations, start=1):
        Z, dense_cache = dense_forward(A, params[f"W{layer}"], params[f"b{layer}"])
        A, act_cache = activation_forward(Z, kind)
        caches.append((dense_cache, act_cache))
    return A, caches


def model_backward(dY_hat, caches, at_z: bool = False):
    grads, dA = {}, dY_hat
    for layer in range(len(caches), 0, -1):
        dense_cache, act_cache = caches[layer - 1]
        dZ = activation_backward(dA, act_cache, at_z)
        dA, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dZ, dense_cache)
    return grads


def gradients(X, Y, params, activations, loss_kind, mistake: str | None = None):
    """∂L/∂θ of the whole network, composed from the per-layer derivatives, or one mistake's version."""
    Y_hat, caches = model_forward(X, params, activations)
    scale = {"missing ×2": 0.5, "sign flip": -1.0}.get(mistake, 1.0)
    _, dY_hat = loss_forward_backward(Y_hat, Y, loss_kind, scale, per_batch=mistake != "summed over the batch")
    return model_backward(dY_hat, caches, at_z=mistake == "activation derivative at z")


MISTAKES = {
    "missing ×2": "d/dŷ (y − ŷ)² = −2(y − ŷ): the square brings down a 2.",
    "sign flip": "d/dŷ (y − ŷ)² = −2(y − ŷ) = 2(ŷ − y): the sign is off.",
    "summed over the batch": "The loss is the mean over the samples: the gradient carries a 1/n.",
    "activation derivative at z": "σ'(z) = a(1 − a) and tanh'(z) = 1 − a² use the layer's output a, not its input z.",
}


def full_loss(X, Y, params, activations, loss_kind) -> float:
    return loss_forward_backward(model_forward(X, params, activations)[0], Y, loss_kind)[0]


# --- hidden networks -------------------------------------------------------------------------

KINDS = tuple(ACTIVATIONS)


def random_network(rng, depth: int, hidden: str) -> dict:
    """A network with uneven, non-square sizes; sigmoid+BCE or linear+MSE at the output."""
    sizes = [int(rng.integers(2, 6))]
    for _ in range(depth):
        sizes.append(int(rng.choice([s for s in range(2, 7) if s != sizes[-1]])))
    n = int(rng.integers(3, 7))
    output = "sigmoid" if rng.random() < 0.5 else "linear"
    params = {}
    for layer in range(1, depth + 1):
        params[f"W{layer}"] = rng.normal(0, 0.8, (sizes[layer - 1], sizes[layer]))
        params[f"b{layer}"] = rng.normal(0, 0.3, sizes[layer])
    X = rng.normal(0, 1.2, (n, sizes[0]))
    Y = (rng.random((n, sizes[-1])) < 0.5).astype(np.float64) if output == "sigmoid" else rng.normal(0, 1, (n, sizes[-1]))
    return {"X": X, "Y": Y, "params": params, "activations": [hidden] * (depth - 1) + [output],
            "loss": "bce" if output == "sigmoid" else "mse"}


def plain(value):
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return np.asarray(value).tolist() if isinstance(value, np.ndarray) else value


def arrays(params: dict) -> dict[str, np.ndarray]:
    return {k: np.array(v, dtype=np.float64) for k, v in params.items()}


TITLES = {"dense": "Dense layer forward/backward", "activations": "Activations forward/backward",
          "losses": "Losses and their gradient", "model": "The whole network, forward and backward",
          "gradient_check": "Your gradient checker"}
FUNCTIONS = {"dense": ("dense_forward", "dense_backward"), "activations": ("activation_forward", "activation_backward"),
             "losses": ("loss_forward_backward",), "model": ("model_forward", "model_backward"),
             "gradient_check": ("numerical_gradient", "gradient_check")}
REFERENCE = {"dense_forward": dense_forward, "dense_backward": dense_backward,
             "activation_forward": activation_forward, "activation_backward": lambda dA, c: activation_backward(dA, c),
             "loss_forward_backward": lambda Y_hat, Y, kind: loss_forward_backward(Y_hat, Y, kind)}


class _Keeping:
    """A sandbox.Caller that also keeps the raw return value: the learner's own cache, which is
    handed on to the learner's backward."""

    def __init__(self, fn, seconds: float = sandbox.CALL_SECONDS) -> None:
        self.value = None

        def keep(*args):
            self.value = fn(*args)
            return self.value

        self.caller = sandbox.Caller(keep, seconds)

    def __call__(self, *args) -> tuple[dict, object]:
        self.value = None
        return self.caller(*args), self.value


def _second(value):
    return value[1] if isinstance(value, tuple) and len(value) == 2 else None


def _record_dense(fns, rng):
    forward, backward = _Keeping(fns[0]), sandbox.Caller(fns[1])
    cases = []
    for n, d_in, d_out in ((4, 3, 5), (3, 5, 2), (6, 2, 4)):
        A, W, b = rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)), rng.normal(size=d_out)
        dZ = rng.normal(size=(n, d_out))
        fwd, value = forward(A.copy(), W.copy(), b.copy())
        case = {"A": A.tolist(), "W": W.tolist(), "b": b.tolist(), "dZ": dZ.tolist(), "forward": fwd}
        if _second(value) is not None:
            case["backward"] = backward(dZ.copy(), _second(value))
        cases.append(case)
    return cases


def _record_activations(fns, rng):
    forward, backward = _Keeping(fns[0]), sandbox.Caller(fns[1])
    cases = []
    for kind in KINDS:
        Z = rng.normal(0, 2, (4, 3))
        Z[0, 0] = 0.0 if kind == "relu" else Z[0, 0]
        dA = rng.normal(size=(4, 3))
        fwd, value = forward(Z.copy(), kind)
        case = {"kind": kind, "Z": Z.tolist(), "dA": dA.tolist(), "forward": fwd}
        if _second(value) is not None:
            case["backward"] = backward(dA.copy(), _second(value))
        cases.append(case)
    return cases


def _record_losses(fns, rng):
    fn = sandbox.Caller(fns[0])
    cases = []
    for kind, n, k in (("mse", 5, 2), ("mse", 3, 1), ("bce", 4, 3), ("bce", 6, 1)):
        Y_hat = rng.uniform(0.05, 0.95, (n, k)) if kind == "bce" else rng.normal(size=(n, k))
        Y = (rng.random((n, k)) < 0.5).astype(np.float64) if kind == "bce" else rng.normal(size=(n, k))
        cases.append({"kind": kind, "Y_hat": Y_hat.tolist(), "Y": Y.tolist(), **fn(Y_hat.copy(), Y.copy(), kind)})
    return cases


def _record_model(fns, rng, namespace):
    forward, backward = _Keeping(fns[0]), sandbox.Caller(fns[1])
    cases = []
    with sandbox.replaced(namespace, **REFERENCE):  # the pieces are graded on their own: here only the composition
        for depth, hidden in ((3, "tanh"), (2, "relu"), (4, "sigmoid")):
            net = random_network(rng, depth, hidden)
            dY_hat = rng.normal(size=(net["X"].shape[0], net["Y"].shape[1]))
            fwd, value = forward(net["X"].copy(), arrays(net["params"]), list(net["activations"]))
            case = {**plain(net), "dY_hat": dY_hat.tolist(), "forward": fwd}
            if _second(value) is not None:
                case["backward"] = backward(dY_hat.copy(), _second(value))
            cases.append(case)
    return cases


def _record_gradient_check(fns, rng):
    numerical, check = sandbox.Caller(fns[0]), sandbox.Caller(fns[1])
    cases = []
    for depth, hidden in ((2, "tanh"), (3, "sigmoid")):
        net = random_network(rng, depth, hidden)
        X, Y, acts, loss_kind = net["X"], net["Y"], net["activations"], net["loss"]

        def f(p, X=X, Y=Y, acts=acts, loss_kind=loss_kind):
            return full_loss(X, Y, {k: np.asarray(v, dtype=np.float64) for k, v in p.items()}, acts, loss_kind)

        right = gradients(X, Y, net["params"], acts, loss_kind)
        wrong = {k: v.copy() for k, v in right.items()}
        wrong["W1"] = wrong["W1"] * 2.0  # a missing-½-style slip
        wrong["b2"] = wrong["b2"].copy()
        wrong["b2"][0] += 0.5 * (abs(wrong["b2"][0]) + 0.1)  # one entry off
        case = {**plain(net), "right": plain(right), "wrong": plain(wrong), "bad": ["W1", "b2"],
                "numerical": numerical(f, arrays(net["params"])),
                "check_right": check(f, arrays(net["params"]), {k: v.copy() for k, v in right.items()}),
                "check_wrong": check(f, arrays(net["params"]), {k: v.copy() for k, v in wrong.items()})}
        cases.append(case)
    return cases


def record(exercise: str, namespace: dict) -> dict:
    probe: dict = {"exercise": exercise}
    missing = [f for f in FUNCTIONS[exercise] if not callable(namespace.get(f))]
    if missing:
        probe["missing"] = f"no function named {missing[0]!r} is defined in your notebook"
        return probe
    fns = [namespace[f] for f in FUNCTIONS[exercise]]
    rng = points.rng_for("layers", exercise)
    recorder = {"dense": _record_dense, "activations": _record_activations, "losses": _record_losses,
                "gradient_check": _record_gradient_check}.get(exercise)
    probe["cases"] = recorder(fns, rng) if recorder else _record_model(fns, rng, namespace)
    return probe
