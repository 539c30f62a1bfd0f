"""What each known mistake gives at a notebook's public example, written beside the notebook at `generate`.

`backprop-course generate` calls `write(root)`: for every assignment of `assignments.NAMES` it writes
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
from pathlib import Path

from autograder.tools.example_builders import BUILDERS

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
            out.append(f"source/{a}/{MODULE_NAME} is not autograder/tools/{LEARNER_MODULE.name}")
        data = folder / DATA_NAME
        if not data.is_file() or data.read_text(encoding="utf-8") != dumps(build(root, a)):
            out.append(f"source/{a}/{DATA_NAME} is not what the oracle gives at the public example")
    return out
