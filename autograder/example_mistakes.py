"""What each known mistake gives at a notebook's public example, written beside the notebook at `generate`.

`backprop-course generate` calls `write(root)`: for every assignment of `course.ASSIGNMENTS` it writes
`source/<assignment>/mistakes_at_example.json` (nbgrader copies it into `release/`) and a verbatim copy
of `learner_name_the_mistake.py` as `name_the_mistake.py`, and `prepare_notebook` puts into the notebook
the note on how to run the local check, the import of `named` in its setup cell and `with named(...)`
around each visible check. When a visible check fails, in Jupyter or in the local `python -m pytest`,
the learner's value at the example is compared (numpy only) with the values of the file, and a match
is named as the grader would name it ("missing factor 2", "sign flip", …).

**Why the file reveals nothing.** It holds, per check, one call at the notebook's *public* example
(the inputs the visible check itself uses, literally shown in the notebook), the right value there
and each mistake's value there. The right value is the one the visible check already compares
against and prints when it fails (`SEED_GRADS` of the 2-2-1 notebooks; the finite differences of the
warm-up's check), or, for XOR, what the notebook's own `numerical_gradient` gives at the check's batch
from a forward pass that passes `check_forward`: each builder refuses to write a right value that
differs from the notebook's own (`_same_as_shown`). Inputs the learner's code computes (XOR's Y_hat
and cache) are not written as values: the probe calls the learner's own `forward` for them. A
mistake's value is what a learner making that mistake would see anyway. No hidden point, seed,
expression, solution or grader code is in it: the values are plain numbers computed here, in the
grader, by the oracle (sympy), and only numbers cross into `release/` (tests/test_local_check.py
checks it). An assignment without a builder here gets a file with no checks: its local check still
says first when the setup cell could not import a package.
"""

from __future__ import annotations

import ast
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

DATA_NAME = "mistakes_at_example.json"
MODULE_NAME = "name_the_mistake.py"
LEARNER_MODULE = Path(__file__).resolve().parent / "learner_name_the_mistake.py"
NOTE_MARK = "**Check your work without Jupyter.**"
SETUP_BLOCK = (
    "try:  # names the known mistake when a check fails (name_the_mistake.py, beside this notebook)\n"
    "    from name_the_mistake import named\n"
    "except ImportError:  # without that file the checks run as they are\n"
    "    from contextlib import nullcontext as named\n"
)
GENERATED_NOTEBOOKS = ("quiz",)  # rebuilt from banks by their own generator: the note only, added there


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _is_check(cell) -> bool:
    return cell.get("cell_type") == "code" and bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def _setup_cell(nb):
    return next((c for c in nb.cells if c.cell_type == "code"), None)


def setup_imports(nb, folder: Path | None = None, local: tuple[str, ...] = ()) -> list[str]:
    """Top-level packages the setup cell imports that are neither in the standard library nor a
    course file beside the notebook (`quiz_variants.py`)."""
    cell = _setup_cell(nb)
    if cell is None:
        return []
    names: list[str] = []
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return []
    for node in tree.body:
        mods = ([a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
        for mod in mods:
            top = mod.split(".")[0]
            beside = top in local or (folder is not None and (folder / f"{top}.py").is_file())
            if top not in sys.stdlib_module_names and top not in names and not beside and top != "name_the_mistake":
                names.append(top)
    return names


def local_check_note(nb, folder: Path | None = None, local: tuple[str, ...] = ()) -> str:
    """The paragraph every notebook carries at the end of its first markdown cell."""
    needs = " ".join(["pytest", *setup_imports(nb, folder, local)])
    return (f"{NOTE_MARK} In a terminal, in this notebook's folder, run `python -m pytest`: it runs the "
            "notebook from top to bottom in a few seconds, without Jupyter, and reports each visible check, "
            "passed or why not. When a value is wrong at the notebook's example and matches a known mistake, "
            "the failed check names it, there and here (that is what `with named(...)` in the check cells "
            "does). It needs the packages the first code cell imports: "
            f"`python -m pip install {needs}`.")


def prepare_notebook(nb, assignment: str, folder: Path | None = None, local: tuple[str, ...] = ()) -> bool:
    """Put the local-check note, the `named` import and the `with named(...)` wrappers into a notebook
    (idempotent). Returns whether anything changed. `folder` (or `local`, module names): the course
    files beside the notebook, which are not packages to install."""
    before = json.dumps(nb, sort_keys=True)
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first is not None:
        text = first.source.split("\n\n" + NOTE_MARK)[0].rstrip("\n")
        first.source = f"{text}\n\n{local_check_note(nb, folder, local)}"
    if assignment not in GENERATED_NOTEBOOKS:
        setup = _setup_cell(nb)
        if setup is not None and "from name_the_mistake import named" not in setup.source:
            setup.source = SETUP_BLOCK + "\n" + setup.source
        for cell in nb.cells:
            if _is_check(cell):
                cell.source = _wrapped(cell.source, _grade_id(cell))
    return json.dumps(nb, sort_keys=True) != before


def _wrapped(source: str, check: str) -> str:
    """The check cell with its visible code (outside the hidden blocks, comments aside) under
    `with named(check):`; unchanged if already wrapped or if the visible code is not one run of lines."""
    if "with named(" in source:
        return source
    lines = source.split("\n")
    hidden, visible = False, []
    for k, line in enumerate(lines):
        if line.strip() == "### BEGIN HIDDEN TESTS":
            hidden = True
        elif line.strip() == "### END HIDDEN TESTS":
            hidden = False
        elif not hidden and line.strip() and not line.lstrip().startswith("#"):
            visible.append(k)
    if not visible or visible != list(range(visible[0], visible[-1] + 1)):
        return source
    out = lines[: visible[0]] + [f"with named({check!r}):"]
    out += ["    " + lines[k] for k in visible] + lines[visible[-1] + 1:]
    return "\n".join(out)


# --- the values at the public example ---------------------------------------------------------------


def public_namespace(nb) -> dict:
    """The notebook's setup and check-tool cells run here (the instructor's own notebook, trusted):
    the public example exactly as the learner's notebook defines it."""
    ns: dict = {"__name__": "__main__"}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta and not meta.get("grade") and not meta.get("solution"):
            exec(compile(cell.source, f"<cell {meta.get('grade_id')}>", "exec"), ns)
    return ns


def _encode(value):
    """A public input as JSON: arrays and dicts tagged, so the learner's side rebuilds them exactly."""
    if isinstance(value, np.ndarray):
        return {"array": value.astype(np.float64).reshape(-1).tolist(), "shape": list(value.shape)}
    if _is_reference(value):  # the notebook's own variable, or the learner's own function at public inputs
        return {k: (_encode(v) if k == "args" else v) for k, v in value.items()}
    if isinstance(value, dict):
        return {"dict": {k: _encode(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return float(value)
    return value


def _plain(value) -> float | list:
    return np.asarray(value, dtype=np.float64).tolist()


def _differs(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape != b.shape or not np.all(np.abs(a - b) <= 1e-9 + 1e-6 * np.abs(b))


def probe(what: str, at: str, right, mistakes: list[tuple[str, str, object]], **how) -> dict:
    """One comparison: `how` is call/args/pick (a function of the notebook) or formula/symbols.
    Mistakes whose value is not finite, or equals the right value here, cannot be told apart here
    and are left out."""
    kept = [{"name": n, "explanation": e, "value": _plain(v)} for n, e, v in mistakes
            if np.all(np.isfinite(np.asarray(v, dtype=np.float64))) and _differs(v, right)]
    how = {k: (_encode(v) if k == "args" else v) for k, v in how.items()}  # symbols: plain lists of numbers
    return {"what": what, "at": at, **how, "right": _plain(right),
            "mistakes": kept}


def _same_as_shown(right, shown, what: str) -> None:
    """The right value written must be the one the notebook already shows (else it would reveal one)."""
    np.testing.assert_allclose(np.asarray(right, dtype=np.float64), np.asarray(shown, dtype=np.float64),
                               rtol=1e-6, atol=1e-9, strict=True, err_msg=f"{what}: the notebook shows another value")


def _warmup_numeric(ns: dict, factor: str, act: str) -> np.ndarray:
    """The finite difference the warm-up's visible check compares a link with (`check_link`)."""
    ex, slope, forward = ns["EX"], ns["slope"], ns["neuron_forward"]
    x, y, w, b = ex["x"], ex["y"], ex["w"], ex["b"]
    y_hat, z = forward(x, w, b, act)
    if factor == "dL_dyhat":
        return slope(lambda t: ns["loss"](y, t), y_hat)
    if factor == "dyhat_dz":
        return slope(lambda t: forward(t, 1.0, 0.0, act)[0], z)
    if factor == "dz_dw":
        return slope(lambda t: forward(x, t, b, "linear")[1], w)
    return slope(lambda t: forward(x, w, t, "linear")[1], b) * np.ones_like(x)


def _warmup(ns: dict) -> dict[str, list[dict]]:
    import sympy as sp

    from autograder import warmup
    from autograder.oracle import numpy_modules

    ex = ns["EX"]
    x, y, w, b = (np.asarray(ex[k], dtype=np.float64) for k in ("x", "y", "w", "b"))
    checks: dict[str, list[dict]] = {}
    for factor in warmup.FACTORS:
        probes = []
        for act in ("linear", "sigmoid"):
            right = warmup.evaluate(act, factor, x, y, float(w), float(b))
            _same_as_shown(right, _warmup_numeric(ns, factor, act), f"{act}: {factor}")
            wrong = [(name, expl, warmup.evaluate(act, f"{factor}:{name}", x, y, float(w), float(b)))
                     for name, (expl, _) in warmup.mistake_exprs(act)[factor].items()]
            probes.append(probe(f"your chain_factors(EX['x'], EX['y'], EX['w'], EX['b'], {act!r})[{factor!r}]",
                                f"the example EX ({act} neuron)", right, wrong,
                                call="chain_factors", args=[x, y, float(w), float(b), act], pick=[factor]))
        checks[f"test_{factor}"] = probes
    s_values = 1.0 / (1.0 + np.exp(-(w * x + b)))
    args = (warmup.x, warmup.y, warmup.w, warmup.b)

    def at_example(expr) -> np.ndarray:
        f = sp.lambdify(args, expr, modules=numpy_modules())
        return np.broadcast_to(np.asarray(f(x, y, w, b), dtype=np.float64), x.shape).copy()

    right = at_example(warmup.by_hand_truth())
    _same_as_shown(right, ns["slope"](lambda t: ns["loss"](y, ns["sigmoid"](t * x + b)), w), "dL_dw_by_hand")
    wrong = [(name, expl, at_example(expr)) for name, (expl, expr) in warmup.by_hand_mistakes().items()]
    checks["test_by_hand"] = [probe("your dL_dw_by_hand", "the example EX (s = σ(w·x + b) per sample)", right,
                                    wrong, formula="dL_dw_by_hand",
                                    symbols={"s": s_values.tolist(), "x": x.tolist(), "y": y.tolist()})]
    return checks


def _two_layer(assignment: str) -> Callable[[dict], dict[str, list[dict]]]:
    def build(ns: dict) -> dict[str, list[dict]]:
        from autograder import oracle
        from autograder.mistakes import for_network
        from autograder.network import NETWORKS
        from autograder.recording.record_two_layer import GRADIENT_OF

        net = NETWORKS[assignment]
        x, y, params, lr = ns["X"][0], float(ns["Y"][0]), ns["init_params"](), float(ns["LR"])
        call_args = [y, float(ns["SEED_Y_HAT"]), ns["SEED_CACHE"], params]
        checks = {}
        for exercise, name in GRADIENT_OF.items():
            right = oracle.gradients(net, x, y, params, lr)[name]
            _same_as_shown(right, ns["SEED_GRADS"][name], f"∂L/∂{name}")
            wrong = [(m.name, m.explanation, oracle.gradients(net, x, y, params, lr, m)[name])
                     for m in for_network(net)]
            checks[f"test_{exercise}"] = [probe(
                f"your backward(Y[0], SEED_Y_HAT, SEED_CACHE, init_params())[{name!r}] (∂L/∂{name})",
                "the lecture example (first row, initial weights)", right, wrong,
                call="backward", args=call_args, pick=[name])]
        return checks

    return build


def _xor(ns: dict) -> dict[str, list[dict]]:
    """The hidden and output layers' gradients at the notebook's uneven 5-row batch (CHECK_X, CHECK_Y,
    CHECK_P), with Y_hat and cache from the learner's own forward, as `check_layer` calls them. The right
    value is not printed by the check, but it is what the notebook's own `numerical_gradient` gives from
    a forward that passes `check_forward` (asserted here): one call away for any learner."""
    from autograder import xor

    X, Y, P = ns["CHECK_X"], ns["CHECK_Y"], ns["CHECK_P"]
    right = xor.gradients(X, Y, P)
    numeric = ns["numerical_gradient"](lambda p: ns["mse"](Y, xor.forward(X, p)[0]), P)
    args = [{"name": "CHECK_Y"}, {"call": "forward", "args": [{"name": "CHECK_X"}, {"name": "CHECK_P"}], "pick": [0]},
            {"call": "forward", "args": [{"name": "CHECK_X"}, {"name": "CHECK_P"}], "pick": [1]}, {"name": "CHECK_P"}]
    wrong = [(name, expl, xor.gradients(X, Y, P, **kw)) for name, expl, kw in xor.mistakes()]
    checks: dict[str, list[dict]] = {}
    for check, names in (("test_output_layer", ("W2", "b2")), ("test_hidden_layer", ("W1", "b1"))):
        checks[check] = []
        for name in names:
            _same_as_shown(right[name], numeric[name], f"∂L/∂{name}")
            checks[check].append(probe(
                f"your backward(CHECK_Y, *forward(CHECK_X, CHECK_P), CHECK_P)[{name!r}] (∂L/∂{name})",
                "the check's uneven 5-row batch (CHECK_X, CHECK_Y, CHECK_P)", right[name],
                [(n, e, g[name]) for n, e, g in wrong], call="backward", args=args, pick=[name]))
    return checks


def _is_reference(value) -> bool:
    return isinstance(value, dict) and ("name" in value or "call" in value)


BUILDERS: dict[str, Callable[[dict], dict[str, list[dict]]]] = {
    "warmup": _warmup,
    "regression": _two_layer("regression"),
    "classification": _two_layer("classification"),
    "xor": _xor,
}


def build(root: Path, assignment: str) -> dict:
    """The file's content for one assignment (its notebook in source/ already prepared)."""
    import nbformat

    nb = nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    builder = BUILDERS.get(assignment)
    checks = builder(public_namespace(nb)) if builder else {}
    return {"about": "Values at this notebook's public example only: the right value the visible check "
                     "already shows, and what each known mistake gives there. Read by name_the_mistake.py.",
            "assignment": assignment, "setup_imports": setup_imports(nb, root / "source" / assignment),
            "checks": checks}


def dumps(data: dict) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def write(root: Path, assignments: tuple[str, ...]) -> None:
    """Prepare each hand-written notebook of source/ and write the module and the values beside it."""
    import nbformat

    for a in assignments:
        folder = root / "source" / a
        path = folder / f"{a}.ipynb"
        if a not in GENERATED_NOTEBOOKS:
            nb = nbformat.read(path, as_version=4)
            if prepare_notebook(nb, a, folder):
                nbformat.write(nb, path)
        shutil.copy(LEARNER_MODULE, folder / MODULE_NAME)
        (folder / DATA_NAME).write_text(dumps(build(root, a)), encoding="utf-8")


def problems(root: Path, assignments: tuple[str, ...]) -> list[str]:
    """What `verify` reports: a notebook not prepared, a stale module copy or stale values."""
    import nbformat

    out = []
    for a in assignments:
        folder = root / "source" / a
        nb = nbformat.read(folder / f"{a}.ipynb", as_version=4)
        if prepare_notebook(nb, a, folder):
            out.append(f"source/{a}/{a}.ipynb lacks the local-check note or the `named` wrappers")
        module = folder / MODULE_NAME
        if not module.is_file() or module.read_bytes() != LEARNER_MODULE.read_bytes():
            out.append(f"source/{a}/{MODULE_NAME} is not autograder/{LEARNER_MODULE.name}")
        data = folder / DATA_NAME
        if not data.is_file() or data.read_text(encoding="utf-8") != dumps(build(root, a)):
            out.append(f"source/{a}/{DATA_NAME} is not what the oracle gives at the public example")
    return out
