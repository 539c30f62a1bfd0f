"""The layout keeps the architecture visible: folders by role, no import cycle, small modules, one
registry. Read from the source with `ast`, nothing imported."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "autograder"
ROLES = {"sandboxed", "assignments", "engine", "instruments", "tools"}
# Modules allowed over MAX_LINES because they are one idea each (and why).
ONE_IDEA = {
    "engine/jail.py": "bubblewrap's command line and the warm sandbox's protocol",
    "engine/isolation.py": "the per-sandbox uid, seccomp descriptor and cgroup, set up together",
    "engine/remote.py": "the grader's end of the learner host's protocol",
    "engine/judge.py": "comparing one recorded value with the oracle and saying why it differs",
    "engine/nbgrader_steps.py": "our nbgrader preprocessors, each a small class",
    "engine/notebook_grading.py": "record → judge → score one notebook",
    "engine/staging.py": "what may enter a sandbox beside a notebook",
    "tools/report.py": "the cohort report's one HTML page",
    "tools/cli.py": "the command line's subcommands",
    "tools/hub.py": "a trial class on JupyterHub: its accounts, folders, Python and config, set up and removed together",
    "instruments/corpus.py": "data: the wrong and correct submissions",
    "instruments/precision.py": "the precision measurements",
    "sandboxed/confine.py": "the BPF program, built in pure Python",
    "assignments/common/mutations.py": "the mutation search: a backward pass as links, each with what learners write instead",
}
MAX_LINES = 300


def _modules() -> dict[str, Path]:
    return {".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"): p
            for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """Every autograder module `path` imports, anywhere in it (a function-level import is an import)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for a in node.names:  # a submodule, else a name the module `base` itself defines
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base)
    return {m for m in found if m.startswith("autograder")}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {m for m in _imports(path, name, modules) if m in modules and m != name} for name, path in modules.items()}


def test_the_package_is_folders_by_role():
    top = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert top == ROLES
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "grading.py"], loose  # grading.grade: the one call a hidden-test cell makes


def test_the_sandbox_side_imports_nothing_else_of_the_package():
    stdlib = set(sys.stdlib_module_names)
    for name, path in _modules().items():
        if not name.startswith("autograder.sandboxed"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            for imported in names:
                top = imported.split(".")[0]
                assert top in stdlib or top == "numpy" or imported.startswith("autograder.sandboxed") or \
                    imported == "autograder", f"{name} imports {imported}"


def test_no_import_cycles():
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_modules_stay_small_unless_they_are_one_idea():
    too_long = {}
    for path in PACKAGE.rglob("*.py"):
        relative = str(path.relative_to(PACKAGE))
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and relative not in ONE_IDEA:
            too_long[relative] = lines
    assert not too_long, too_long
    stale = [m for m in ONE_IDEA if not (PACKAGE / m).is_file() or
             len((PACKAGE / m).read_text(encoding="utf-8").splitlines()) <= MAX_LINES]
    assert not stale, f"no longer over {MAX_LINES} lines (or gone): take them off ONE_IDEA: {stale}"


def test_only_the_registry_lists_the_assignments():
    """No tuple, list or set outside `assignments/` names two assignments or more (a dict keyed by
    assignment holds data for each, such as the demo's planted mistakes, and is allowed)."""
    from autograder import assignments

    names = set(assignments.NAMES)
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "assignments" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            items = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else []
            named = {i.value for i in items if isinstance(i, ast.Constant) and i.value in names}
            if len(named) >= 2:
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno} {sorted(named)}")
    assert not offenders, offenders


def test_every_assignment_has_its_pieces_side_by_side():
    from autograder import assignments

    for a in assignments.ASSIGNMENTS.values():
        folder = PACKAGE / "assignments" / a.folder
        assert a.hidden_checks.is_file() and (folder / f"{a.recorder}.py").is_file(), a.name
        assert (REPO / "source" / a.name / f"{a.name}.ipynb").is_file(), a.name
        for module in a.standins.values():
            assert (folder / f"{module}.py").is_file(), (a.name, module)
        for _, exercises in a.plan:
            assert set(exercises) <= set(a.exercises), (a.name, set(exercises) - set(a.exercises))


def test_every_import_of_the_package_resolves():
    """Every `from autograder… import name` anywhere (in functions too, which run only on some paths)
    names something that exists: a move or a split cannot leave an import behind."""
    import importlib

    missing = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").startswith("autograder"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if not hasattr(module, alias.name):
                        try:
                            importlib.import_module(f"{node.module}.{alias.name}")
                        except ImportError:
                            missing.append(f"{name}:{node.lineno} from {node.module} import {alias.name}")
    assert not missing, missing
