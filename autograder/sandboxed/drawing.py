"""Drawing is never graded, and matplotlib costs more to import than most notebooks cost to run.

When recording, the sandbox
- leaves out the statements that only draw: a call on `plt` (or on the figure and axes such a call
  returned in the same cell) whose arguments call nothing but numpy and the plot itself, at the top
  of a cell or inside its loops and branches (not inside a function the learner defines). Everything
  else runs as written, in order: the training run a plotting cell makes still happens, a call of the
  learner's own function inside a plot's arguments keeps that statement. If a statement kept uses a
  figure or axes a left-out statement made, the cell runs whole;
- imports matplotlib only when something it runs uses it: `import matplotlib.pyplot as plt` binds a
  stand-in module that imports the real one on first use.

Nothing a left-out statement could do reaches a grade: the recorders call the learner's functions
themselves, and a drawing call returns nothing the notebook keeps.
"""

from __future__ import annotations

import ast
import importlib
import sys
import types

DRAWING_ROOTS = frozenset({"plt"})
# Calls a plot's arguments may make: numpy, the plot itself, and builtins that only compute a value.
PURE_CALL_ROOTS = frozenset({"np", "plt", "len", "str", "repr", "round", "min", "max", "abs", "range", "float",
                             "int", "format", "sum", "list", "tuple", "zip", "enumerate"})


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    if isinstance(node, ast.Subscript):  # axes[0].plot(...)
        return _root(node.value)
    return node.id if isinstance(node, ast.Name) else None


def _pure(node: ast.AST, drawing: set[str]) -> bool:
    """No call in it but to numpy, the plot's own objects or a value-only builtin; no lambda, no walrus."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and _root(sub.func) not in PURE_CALL_ROOTS | drawing:
            return False
        if isinstance(sub, ast.Lambda | ast.NamedExpr | ast.Await | ast.Yield | ast.YieldFrom):
            return False
    return True


def _drawing_call(node: ast.AST, drawing: set[str]) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and _root(node.func) in drawing and _pure(node, drawing))


def _drawing_statement(stmt: ast.stmt, drawing: set[str]) -> bool:
    """A call on the plot, or `fig, ax = plt.subplots(...)` (whose names then count as the plot)."""
    if isinstance(stmt, ast.Expr):
        return _drawing_call(stmt.value, drawing)
    if isinstance(stmt, ast.Assign) and _drawing_call(stmt.value, drawing):
        names = [e for t in stmt.targets for e in (t.elts if isinstance(t, ast.Tuple | ast.List) else [t])]
        if all(isinstance(e, ast.Name) for e in names):
            drawing.update(e.id for e in names)
            return True
    return False


class _LeaveOutDrawing(ast.NodeTransformer):
    def __init__(self) -> None:
        self.drawing = set(DRAWING_ROOTS)
        self.made: set[str] = set()  # names bound by left-out assignments
        self.left_out = 0

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out = []
        for stmt in body:
            if _drawing_statement(stmt, self.drawing):
                if isinstance(stmt, ast.Assign):
                    self.made.update(e.id for t in stmt.targets
                                     for e in (t.elts if isinstance(t, ast.Tuple | ast.List) else [t]))
                self.left_out += 1
                out.append(ast.copy_location(ast.Pass(), stmt))
            else:
                out.append(self.visit(stmt))
        return out

    def visit_Module(self, node):
        node.body = self._body(node.body)
        return node

    def _compound(self, node):
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(node, field, None), list):
                setattr(node, field, self._body(getattr(node, field)))
        for handler in getattr(node, "handlers", []):
            handler.body = self._body(handler.body)
        return node

    visit_For = visit_AsyncFor = visit_While = visit_If = visit_With = visit_Try = _compound

    def visit_FunctionDef(self, node):
        return node  # a function of the learner's runs as written

    visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = visit_FunctionDef


def without_drawing(source: str, filename: str):
    """The cell's code object with its drawing statements left out, or None to run it as written.
    A cell that never names the plot cannot draw: it is not parsed here (most cells; parsing every
    cell twice cost ≈ 5 ms of each notebook's ≈ 30 ms of recording)."""
    if not any(root in source for root in DRAWING_ROOTS):
        return None  # (a look-alike spelling of the name runs as written: drawing, never skipping code)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    leave = _LeaveOutDrawing()
    tree = leave.visit(tree)
    if not leave.left_out:
        return None
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if used & leave.made:
        return None  # a kept statement needs a figure or axes: draw for real
    return compile(ast.fix_missing_locations(tree), filename, "exec")


class _Deferred(types.ModuleType):
    """Stands for a matplotlib module until something of it is used; then imports the real one."""

    def __getattr__(self, name: str):
        return getattr(_load(self.__name__), name)


def _load(name: str) -> types.ModuleType:
    for stale in ("matplotlib.pyplot", "matplotlib"):
        if isinstance(sys.modules.get(stale), _Deferred):
            del sys.modules[stale]
    return importlib.import_module(name)


def defer_matplotlib() -> None:
    """`import matplotlib` and `import matplotlib.pyplot` cost nothing until used."""
    if "matplotlib" in sys.modules:
        return
    package, pyplot = _Deferred("matplotlib"), _Deferred("matplotlib.pyplot")
    package.__dict__["pyplot"] = pyplot
    sys.modules["matplotlib"], sys.modules["matplotlib.pyplot"] = package, pyplot
