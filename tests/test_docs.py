"""The README and docs/ say what the code does: the README's two commands are CI's, every link, path,
test name and `backprop-course` flag they mention exists. Read as text; only the CLI's parser is run."""

from __future__ import annotations

import contextlib
import io
import re
import unicodedata

import pytest

from autograder.tools import cli
from tests.conftest import REPO

README = REPO / "README.md"
PAGES = sorted((REPO / "docs").glob("*.md"))
# Pages other branches write; linked from here already. Remove a name once its page is merged.
PENDING: set[str] = set()


def _texts() -> dict[str, str]:
    return {str(p.relative_to(REPO)): p.read_text(encoding="utf-8") for p in [README, *PAGES]}


def _code_spans(text: str) -> list[str]:
    """Inline code and the lines of fenced code blocks."""
    blocks = re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S)
    rest = re.sub(r"```[^\n]*\n.*?```", "", text, flags=re.S)
    return [line for b in blocks for line in b.splitlines()] + re.findall(r"`([^`\n]+)`", rest)


def test_the_readme_opens_with_the_demo_and_the_command_ci_runs():
    block = re.search(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S).group(1).splitlines()
    demo, tests = block[0], block[1]
    assert "backprop-course demo" in demo and demo.endswith("# demo grading cycle")
    ci = [line for line in (REPO / ".ci" / "run").read_text().splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert tests.split("#")[0].strip() == ci[-1].strip()


def test_the_readme_is_short():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 120


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = heading.strip().lower().replace("`", "")
    text = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return text.replace(" ", "-")


def _anchors(text: str) -> set[str]:
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)}


def test_every_link_and_anchor_resolves():
    texts = _texts()
    broken = []
    for name, text in texts.items():
        here = (REPO / name).parent
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+://", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (here / path).resolve() if path else (REPO / name).resolve()
            rel = str(dest.relative_to(REPO)) if dest.is_relative_to(REPO) else str(dest)
            if not dest.exists():
                if rel not in PENDING:
                    broken.append(f"{name}: {target}")
                continue
            if anchor and dest.suffix == ".md" and anchor not in _anchors(dest.read_text(encoding="utf-8")):
                broken.append(f"{name}: {target} (no such heading)")
    assert not broken


def test_every_path_mentioned_exists():
    missing = []
    for name, text in _texts().items():
        for span in _code_spans(text):
            for path in re.findall(r"(?<![\w/.-])((?:autograder|tests|source|release|solutions|interview_questions)/[\w./*<>-]*)",
                                   span):
                if any(c in path for c in "<>*…") or path.endswith("/…"):
                    continue
                if not (REPO / path.rstrip(".")).exists():
                    missing.append(f"{name}: {path}")
    assert not missing


def test_every_test_named_exists():
    sources = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "tests").rglob("test_*.py")}
    missing = []
    for name, text in _texts().items():
        for span in _code_spans(text):
            for file, test in re.findall(r"(test_\w+\.py)(?:::(test_\w+))?", span):
                if file == "test_notebook.py":  # the learner's local check, beside each notebook
                    continue
                if file not in sources:
                    missing.append(f"{name}: {file}")
                elif test and f"def {test}" not in sources[file]:
                    missing.append(f"{name}: {file}::{test}")
    assert not missing


def _help(command: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        cli.main([command, "--help"])
    return out.getvalue()


def test_every_backprop_course_command_and_flag_exists():
    helps: dict[str, str] = {}
    wrong = []
    for name, text in _texts().items():
        for span in _code_spans(text):
            for command, rest in re.findall(r"backprop-course (\w[\w-]*)([^#`|]*)", span):
                if command not in helps:
                    try:
                        helps[command] = _help(command)
                    except BaseException:  # an unknown command: argparse exits with 2 before any help
                        helps[command] = ""
                if not helps[command]:
                    wrong.append(f"{name}: backprop-course {command}")
                    continue
                for flag in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", rest):
                    if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", helps[command]):
                        wrong.append(f"{name}: backprop-course {command} {flag}")
    assert not wrong
