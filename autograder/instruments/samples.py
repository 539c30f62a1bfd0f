"""Sample submissions, made from the real notebooks so they can never drift from them.

A sample is a recipe applied to the release notebook a student fetched: fill in the
solution cells from `source/` (or not), then edit it the way a real learner might: a planted
mistake, an endless loop, a deleted test cell. The demo grades the first three; the tests
grade them all.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder import assignments

Edit = Callable[[NotebookNode], None]


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _cell(nb: NotebookNode, grade_id: str):
    for cell in nb.cells:
        if _grade_id(cell) == grade_id:
            return cell
    raise KeyError(f"the notebook has no cell {grade_id!r}")


def namespace_of(nb_path: Path) -> dict:
    """Run a notebook's setup, checks and solution cells (not its test cells) in this process, as a
    learner's kernel would (an unsolved stub raises NotImplementedError; the kernel goes on), and
    return the resulting globals. For trusted notebooks only: the sources, the bundled samples."""
    nb = nbformat.read(nb_path, as_version=4)
    ns: dict = {"__name__": "__main__"}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta and not meta.get("grade"):
            try:
                exec(compile(cell.source, f"<cell {meta['grade_id']}>", "exec"), ns)
            except NotImplementedError:
                pass
    return ns


def solution_code(source_nb: NotebookNode) -> dict[str, str]:
    """The instructor's solution of every solution cell, without the nbgrader markers."""
    out = {}
    for cell in source_nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            lines = [ln for ln in cell.source.splitlines() if "### BEGIN SOLUTION" not in ln
                     and "### END SOLUTION" not in ln]
            out[_grade_id(cell)] = "\n".join(lines)
    return out


def replace(grade_id: str, old: str, new: str) -> Edit:
    def edit(nb: NotebookNode) -> None:
        cell = _cell(nb, grade_id)
        if old not in cell.source:
            raise ValueError(f"sample recipe is stale: {old!r} is not in cell {grade_id!r}")
        cell.source = cell.source.replace(old, new)

    return edit


def rewrite(grade_id: str, code: str) -> Edit:
    """The cell as a learner wrote it in another style: all of it replaced."""
    def edit(nb: NotebookNode) -> None:
        _cell(nb, grade_id).source = code

    return edit


def append(grade_id: str, code: str) -> Edit:
    def edit(nb: NotebookNode) -> None:
        cell = _cell(nb, grade_id)
        cell.source = cell.source + "\n" + code

    return edit


def prepend(grade_id: str, code: str) -> Edit:
    def edit(nb: NotebookNode) -> None:
        cell = _cell(nb, grade_id)
        cell.source = code + "\n" + cell.source

    return edit


def change_answer(qid: str, how: Callable[[object], str]) -> Edit:
    """A quiz answer as the learner got it: `how` maps their right value (a number, a formula string or
    a shape tuple: each learner's is their own) to the Python they typed."""
    def edit(nb: NotebookNode) -> None:
        cell = _cell(nb, f"answer_{qid}")
        cell.source = f"answer_{qid} = {how(ast.literal_eval(cell.source.split('=', 1)[1].strip()))}"

    return edit


def answers_of(learner: str) -> Edit:
    """Every quiz answer replaced by `learner`'s right answers: a copier's notebook."""
    def edit(nb: NotebookNode) -> None:
        from autograder.assignments.quiz import builder as quiz

        quiz.solve(nb, learner)

    return edit


def delete_cell(grade_id: str) -> Edit:
    def edit(nb: NotebookNode) -> None:
        nb.cells.remove(_cell(nb, grade_id))

    return edit


def duplicate_cell(grade_id: str) -> Edit:
    def edit(nb: NotebookNode) -> None:
        cell = _cell(nb, grade_id)
        nb.cells.insert(nb.cells.index(cell) + 1, nbformat.from_dict(cell))

    return edit


def add_tag(grade_id: str, tag: str) -> Edit:
    def edit(nb: NotebookNode) -> None:
        cell = _cell(nb, grade_id)
        cell.metadata.setdefault("tags", []).append(tag)

    return edit


@dataclass(frozen=True)
class Sample:
    student: str
    description: str
    solved: bool = True
    edits: dict[str, tuple[Edit, ...]] = field(default_factory=dict)  # per assignment

    def make(self, assignment: str, release_nb: Path, source_nb: Path, dest: Path) -> None:
        nb = nbformat.read(release_nb, as_version=4)
        if self.solved:
            for grade_id, code in solution_code(nbformat.read(source_nb, as_version=4)).items():
                _cell(nb, grade_id).source = code
            if assignment == "quiz":  # each learner has their own numbers
                from autograder.assignments.quiz import builder as quiz

                quiz.solve(nb, self.student)
        for edit in self.edits.get(assignment, ()):
            edit(nb)
        nbformat.write(nb, dest)


TWO_LAYER = tuple(a.name for a in assignments.ASSIGNMENTS.values() if a.folder == "two_layer")  # one notebook, two networks


def _both(*edits: Edit) -> dict[str, tuple[Edit, ...]]:
    return dict.fromkeys(TWO_LAYER, edits)


DEMO = (
    Sample("ada", "correct solution"),
    Sample("ben", "untouched release", solved=False),
    Sample(
        "cy",
        "planted mistakes in every assignment: σ' or tanh' at z, a missing ×2, swapped W1 indices, a misread rule, "
        "two wrong quiz answers",
        edits={
            "regression": (replace("backward", "np.outer(x, dz1)", "np.outer(dz1, x)"),),
            "warmup": (replace("chain_factors", "y_hat * (1.0 - y_hat)", "z * (1.0 - z)"),
                       replace("by_hand", "dL_dw_by_hand = -2 * (y - s)", "dL_dw_by_hand = -(y - s)")),
            "xor": (replace("backward", 'dH * cache["H"] * (1.0 - cache["H"])', 'dH * cache["Z1"] * (1.0 - cache["Z1"])'),),
            "layers": (replace("activations", '"tanh": lambda: 1.0 - A ** 2', '"tanh": lambda: 1.0 - Z ** 2'),),
            "why": (replace("lr_regime", "or L[-1] > L[0]", "or L[-1] >= L[0]"),),
            "softmax": (replace("backward", "dZ2 = (P - Y) / n", "dZ2 = (-Y / P) * P * (1 - P) / n"),),
            "classification": (replace("backward", "dh * h * (1.0 - h)", 'dh * cache["z1"] * (1.0 - cache["z1"])'),),
            "quiz": (change_answer("E06", lambda f: repr(f"-({f})")), change_answer("M02", lambda s: repr(s[::-1]))),
        },
    ),
)

BAD = (
    Sample("dan", "endless loop in update",
           edits=_both(replace("update", "return {name:", "while True:\n        pass\n    return {name:"))),
    Sample("eve", "gradients returned as lists", edits=_both(
        replace("backward", 'return {"W1": dW1, "b1": db1, "W2": dW2,',
                'return {"W1": dW1.tolist(), "b1": db1.tolist(), "W2": dW2.tolist(),'))),
    Sample("fay", "NaN gradients and a wrong shape", edits=_both(
        replace("backward", "dW2 = dz2 * h", "dW2 = dz2 * h * np.nan"),
        replace("backward", "np.outer(x, dz1)", "np.outer(x, dz1).ravel()"))),
    Sample("gus", "backward raises",
           edits=_both(replace("backward", 'x, h = cache["x"], cache["h"]', 'x, h = cache["x"], cache["a1"]'))),
    Sample("hal", "prints megabytes and warns on stderr", edits=_both(
        replace("forward", "z1 = x @", 'print("spam " * 200_000); import warnings; warnings.warn("noise")\n    z1 = x @'),
        append("forward", 'print("top-level spam " * 100_000)'))),
    Sample("ivy", "deleted a test cell", edits=_both(delete_cell("test_hidden_weights"))),
    Sample("jon", "duplicated a test cell", edits=_both(duplicate_cell("test_output_bias"))),
    Sample("kim", "tagged test cells skip-execution, with no code", solved=False,
           edits=_both(*(add_tag(t, "skip-execution") for t in ("test_forward", "test_output_weights", "test_update")))),
    Sample("max", "no code; hid every cell result and silenced the visible checks", solved=False,
           edits=_both(prepend("forward", 'get_ipython().ast_node_interactivity = "none"\n'
                                          "check_forward = check_gradient = check_update = check_train = lambda *a, **k: None"))),
    Sample("ned", "calls the grader's oracle instead of deriving", edits={
        a: (prepend("backward", "from autograder.assignments.common import oracle as _oracle\n"
                                   "from autograder.assignments.common.network import NETWORKS as _NETS"),
            replace("backward", 'x, h = cache["x"], cache["h"]',
                    f'return _oracle.gradients(_NETS["{a}"], cache["x"], y, params)'))
        for a in TWO_LAYER
    }),
    Sample("oz", "imports the grader inside backward", edits=_both(
        replace("backward", 'x, h = cache["x"], cache["h"]',
                'import autograder.assignments.common.oracle\n    x, h = cache["x"], cache["h"]'))),
    Sample("lou", "silenced numpy's checks, with wrong gradients", edits=_both(
        append("forward", "np.testing.assert_allclose = lambda *a, **k: None"),
        replace("backward", "dW2 = dz2 * h", "dW2 = 0.5 * dz2 * h"))),
)

# The quiz gives every learner their own numbers: pia works hers out, pat hands in pia's answers.
COPYING = (
    Sample("pia", "correct quiz, on her own numbers"),
    Sample("pat", "copied pia's quiz answers", edits={"quiz": (answers_of("pia"),)}),
)

SAMPLES = {s.student: s for s in DEMO + BAD + COPYING}
MISBEHAVING_TARGETS = tuple(a for a in assignments.NAMES if any(a in s.edits for s in BAD))  # what BAD is written for
