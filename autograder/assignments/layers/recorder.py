"""Records assignment 4, the general backward pass (layer pieces, composition, gradient checker).
Runs in the grader: the learner's functions are called through `calls` (in the sandboxed host when grading).
"""

from __future__ import annotations

import numpy as np

from autograder.assignments.common.points import rng_for
from autograder.engine import calls

KINDS = ("linear", "sigmoid", "tanh", "relu")


def random_network(rng, depth: int, hidden: str, output: str | None = None) -> dict:
    """A network with uneven, non-square sizes; sigmoid+BCE or linear+MSE at the output (`output`, else
    drawn)."""
    sizes = [int(rng.integers(2, 6))]
    for _ in range(depth):
        sizes.append(int(rng.choice([s for s in range(2, 7) if s != sizes[-1]])))
    n = int(rng.integers(3, 7))
    if output is None:
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


class _Keeping:
    """A calls.Caller whose calls keep what the learner's function returned: its own cache, handed on
    to the learner's backward as it is (in grading it never leaves the sandboxed host)."""

    def __init__(self, fn, seconds: float = calls.CALL_SECONDS) -> None:
        self.caller = calls.Caller(fn, seconds)

    def __call__(self, *args) -> tuple[dict, object]:
        record = self.caller(*args, keep=True)
        return record, record.pop("_kept", None)


def _second(kept):
    """The cache of a (value, cache) pair the learner returned, or None."""
    return calls.kept_item(kept, 1)


def _record_dense(fns, rng):
    forward, backward = _Keeping(fns[0]), calls.Caller(fns[1])
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
    forward, backward = _Keeping(fns[0]), calls.Caller(fns[1])
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
    fn = calls.Caller(fns[0])
    cases = []
    for kind, n, k in (("mse", 5, 2), ("mse", 3, 1), ("bce", 4, 3), ("bce", 6, 1)):
        Y_hat = rng.uniform(0.05, 0.95, (n, k)) if kind == "bce" else rng.normal(size=(n, k))
        Y = (rng.random((n, k)) < 0.5).astype(np.float64) if kind == "bce" else rng.normal(size=(n, k))
        cases.append({"kind": kind, "Y_hat": Y_hat.tolist(), "Y": Y.tolist(), **fn(Y_hat.copy(), Y.copy(), kind)})
    return cases


def _record_model(fns, rng, namespace, standins):
    forward, backward = _Keeping(fns[0]), calls.Caller(fns[1])
    cases = []
    pieces = standins["layers_pieces"]  # the pieces are graded on their own: here only the composition
    with calls.replaced(namespace, **{name: getattr(pieces, name) for name in pieces.LEARNER_API}):
        # the output units fixed, not drawn: a slip that a linear output hides (its slope is 1) must
        # cost the same points at every draw
        for depth, hidden, output in ((3, "tanh", "sigmoid"), (2, "relu", "linear"), (4, "sigmoid", "sigmoid")):
            net = random_network(rng, depth, hidden, output)
            dY_hat = rng.normal(size=(net["X"].shape[0], net["Y"].shape[1]))
            fwd, value = forward(net["X"].copy(), arrays(net["params"]), list(net["activations"]))
            case = {**plain(net), "dY_hat": dY_hat.tolist(), "forward": fwd}
            if _second(value) is not None:
                case["backward"] = backward(dY_hat.copy(), _second(value))
            cases.append(case)
    return cases


def _loss(model, net):
    """A new loss function of the network's parameters: one per call, so a checker cannot tell two
    calls apart by the function it is handed (in grading: evaluated here, by value)."""
    X, Y, acts, loss_kind = net["X"], net["Y"], net["activations"], net["loss"]

    def loss(p):
        return model.full_loss(X, Y, {k: np.asarray(v, dtype=np.float64) for k, v in p.items()}, acts, loss_kind)

    return loss


# The checker sees, per network, the right gradients and two wrong sets, in an order that differs
# between networks (never right first in the first): a checker that takes its first call for the
# truth, or otherwise remembers instead of computing, reports the wrong verdicts.
CHECK_ORDERS = (("wrong", "right", "wrong_b"), ("right", "wrong_b", "wrong"))


def _wrong_sets(right: dict) -> tuple[dict, dict]:
    wrong = {k: v.copy() for k, v in right.items()}
    wrong["W1"] = wrong["W1"] * 2.0  # a missing-½-style slip
    wrong["b2"][0] += 0.5 * (abs(wrong["b2"][0]) + 0.1)  # one entry off
    wrong_b = {k: v.copy() for k, v in right.items()}
    wrong_b["W2"] = -wrong_b["W2"]  # a sign flip
    wrong_b["b1"][-1] -= 0.5 * (abs(wrong_b["b1"][-1]) + 0.1)  # one entry off
    return wrong, wrong_b


def _record_gradient_check(fns, rng, standins):
    model = standins["layers_model"]
    numerical, check = calls.Caller(fns[0]), calls.Caller(fns[1])
    cases = []
    for (depth, hidden), order in zip(((2, "tanh"), (3, "sigmoid")), CHECK_ORDERS, strict=True):
        net = random_network(rng, depth, hidden)
        right = model.gradients(net["X"], net["Y"], net["params"], net["activations"], net["loss"])
        wrong, wrong_b = _wrong_sets(right)
        given = {"right": right, "wrong": wrong, "wrong_b": wrong_b}
        case = {**plain(net), "right": plain(right), "wrong": plain(wrong), "bad": ["W1", "b2"],
                "wrong_b": plain(wrong_b), "bad_b": ["W2", "b1"], "order": list(order),
                "numerical": numerical(_loss(model, net), arrays(net["params"]))}
        for which in order:
            case[f"check_{which}"] = check(_loss(model, net), arrays(net["params"]),
                                           {k: v.copy() for k, v in given[which].items()})
        cases.append(case)
    return cases


def record(exercise: str, namespace: dict, standins: dict) -> dict:
    probe: dict = {"exercise": exercise}
    missing = [f for f in FUNCTIONS[exercise] if not callable(namespace.get(f))]
    if missing:
        probe["missing"] = f"no function named {missing[0]!r} is defined in your notebook"
        return probe
    fns = [namespace[f] for f in FUNCTIONS[exercise]]
    rng = rng_for("layers", exercise)
    if exercise == "model":
        probe["cases"] = _record_model(fns, rng, namespace, standins)
    elif exercise == "gradient_check":
        probe["cases"] = _record_gradient_check(fns, rng, standins)
    else:
        recorder = {"dense": _record_dense, "activations": _record_activations, "losses": _record_losses}[exercise]
        probe["cases"] = recorder(fns, rng)
    return probe
