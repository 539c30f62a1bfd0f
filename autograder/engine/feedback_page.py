"""The learner's feedback page as a report card: each exercise's name and score, what broke first, then
the evidence (expected vs got), then where to look; no stray score outputs; an index by exercise name.

nbgrader's `generate_feedback` renders the autograded notebook as it is: each test cell's feedback is a
plain-text stream whose long lines run off the page, followed by the cell's score as a bare
`Out[ ]: 0.0`, and the page's index names every test cell "Test cell". Two supported hooks change that
without patching nbgrader:

- `ReportCards`, a preprocessor of `GenerateFeedback`: each test cell's feedback text (written by
  `notebook_grading.write_outputs` in the format of `grading.report`) becomes one HTML card, the score
  output is dropped (the card and the heading say the score), and the cell's metadata gets the
  exercise's title and one-line headline for the index. It works whatever template renders the page
  (the formgrader's "generate feedback" button forces nbgrader's own).
- the `backprop_feedback.html.j2` template (`feedback_templates/feedback/`), which extends nbgrader's
  `feedback` template: an index that names each exercise with its score and headline, wrapped text, and each
  test cell's visible-check code folded away under its card.

Everything shown is what the feedback text already said; nothing is recomputed here.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests as _ClearHiddenTests
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution
from traitlets import List

TEMPLATES = Path(__file__).resolve().parent / "feedback_templates"
TEMPLATE_FILE = "backprop_feedback.html.j2"  # in TEMPLATES/feedback/, beside nbgrader's own "feedback"

_TITLE = re.compile(r"^(?P<title>.+): (?P<score>-?[\d.]+(?:e-?\d+)?) / (?P<points>[\d.]+(?:e-?\d+)?) points$")


@dataclass
class Check:
    name: str
    passed: bool
    diagnosis: list[str] = field(default_factory=list)  # what broke, when the message says it
    evidence: list[str] = field(default_factory=list)  # where it was wrong, expected vs got


@dataclass
class Card:
    title: str
    score: float
    points: float
    notes: list[str] = field(default_factory=list)  # about the submission as a whole
    checks: list[Check] = field(default_factory=list)
    where: str = ""
    extra: list[tuple[str, list[str]]] = field(default_factory=list)  # (heading, lines): printed, warnings, …

    @property
    def headline(self) -> str:
        """One line for the index: the first failed check's diagnosis, or its name; "" when full marks."""
        failed = [c for c in self.checks if not c.passed]
        if not failed:
            return "" if self.score >= self.points else (self.extra[0][0] if self.extra else "")
        first = failed[0]
        text = " ".join(first.diagnosis) or (first.evidence[0] if first.evidence else first.name)
        known = re.search(r"This matches a known mistake: .+?\.(?= |$)", text)
        text = known.group(0) if known else text
        return text if len(text) <= 160 else text[:157].rstrip() + "…"


def _split_message(lines: list[str]) -> tuple[list[str], list[str]]:
    """(diagnosis, evidence) of a failed check's message: the judge writes "… is wrong at …:", the
    expected and got lines, then what broke. A message without expected/got is all diagnosis."""
    got = next((k for k, ln in enumerate(lines) if ln.strip().startswith("got ")), None)
    if got is None:
        return [ln.strip() for ln in lines if ln.strip()], []
    return [ln.strip() for ln in lines[got + 1:] if ln.strip()], lines[:got + 1]


def parse(text: str) -> Card | None:
    """The card of one test cell's feedback text (`grading.report`, with `write_outputs`' notes ahead of
    it and the notebook's crashed cells after it); None if the text is not in that format."""
    lines = text.rstrip("\n").split("\n")
    notes: list[str] = []
    k = 0
    if lines and lines[0] == "About your submission:":
        k = 1
        while k < len(lines) and lines[k].strip():
            notes.append(lines[k].strip().removeprefix("⚠").strip())
            k += 1
        while k < len(lines) and not lines[k].strip():
            k += 1
    head = _TITLE.match(lines[k]) if k < len(lines) else None
    if head is None:
        return None
    card = Card(head["title"], float(head["score"]), float(head["points"]), notes)
    body: list[str] = []
    current: list[str] | None = None
    for line in lines[k + 1:]:
        if line.startswith("  ✓ ") or line.startswith("  ✗ "):
            card.checks.append(Check(line[4:].strip(), line.startswith("  ✓")))
            current = body = []
            card.checks[-1].evidence = body  # filled below, then split
        elif line.startswith("  Where to look: "):
            card.where = line.strip().removeprefix("Where to look: ")
            current = None
        elif line.startswith("  ") and not line.startswith("    "):  # a section of its own: printed, warnings, …
            heading = line.strip()
            rest: list[str] = []
            if ":" in heading and not heading.endswith(":"):
                heading, tail = heading.split(":", 1)
                rest = [tail.strip()]
            card.extra.append((heading.rstrip(":"), rest))
            current = card.extra[-1][1]
        elif current is not None:
            current.append(line[6:] if line.startswith("      ") else line.strip())
        elif line.strip():
            card.extra.append(("", [line.strip()]))
    for check in card.checks:
        if not check.passed:
            check.diagnosis, check.evidence = _split_message(check.evidence)
        else:
            check.evidence = []
    return card


CSS = """<style>
.bp-card{border:1px solid #c9d3df;border-radius:6px;padding:.6em .9em;margin:.3em 0;background:#fbfcfe;
 font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2430;overflow-wrap:anywhere;max-width:100%}
.bp-card .bp-head{display:flex;justify-content:space-between;gap:1em;font-size:15px;font-weight:600;margin-bottom:.35em}
.bp-card .bp-score{white-space:nowrap;padding:0 .5em;border-radius:4px}
.bp-card .bp-full{background:#dff3e4;color:#185c2b}.bp-card .bp-part{background:#fff1d6;color:#6b4a00}
.bp-card .bp-zero{background:#fbe0e0;color:#8a1c1c}
.bp-card .bp-diagnosis{font-weight:600;margin:.5em 0 .2em}
.bp-card pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f1f3f6;border:none;border-radius:4px;
 padding:.35em .6em;margin:.2em 0 .4em;font-size:13px;max-width:100%;box-sizing:border-box}
.bp-card .bp-label{color:#56606e;font-size:12.5px;margin-top:.3em}
.bp-card .bp-where{margin:.5em 0 .2em}.bp-card .bp-passed{color:#185c2b;margin:.4em 0 0}
.bp-card .bp-notes{background:#fff6e0;border-radius:4px;padding:.3em .6em;margin:.2em 0 .5em}
.bp-card p{margin:.25em 0}
</style>"""


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def card_html(card: Card) -> str:
    """The card as one block of HTML (its style included, so any template shows it the same)."""
    kind = "bp-full" if card.score >= card.points else ("bp-part" if card.score > 0 else "bp-zero")
    parts = [CSS, '<div class="bp-card">',
             f'<div class="bp-head"><span class="bp-title">{_esc(card.title)}</span>'
             f'<span class="bp-score {kind}">{card.score:g} / {card.points:g} point{"" if card.points == 1 else "s"}'
             "</span></div>"]
    if card.notes:
        parts.append('<div class="bp-notes"><b>About your submission:</b>'
                     + "".join(f"<p>⚠ {_esc(n)}</p>" for n in card.notes) + "</div>")
    for check in (c for c in card.checks if not c.passed):
        lead = check.diagnosis or [f"The check “{check.name}” failed."]
        parts.append(f'<p class="bp-diagnosis">✗ {_esc(" ".join(lead))}</p>')
        if check.evidence:
            parts.append(f'<div class="bp-label">{_esc(check.name)}</div><pre>{_esc(chr(10).join(check.evidence))}</pre>')
    if card.where:
        parts.append(f'<p class="bp-where"><b>Where to look:</b> {_esc(card.where)}</p>')
    passed = [c.name for c in card.checks if c.passed]
    if passed:
        parts.append(f'<p class="bp-passed">✓ Passed: {_esc(", ".join(passed))}</p>')
    for heading, lines in card.extra:
        label = f'<div class="bp-label">{_esc(heading)}</div>' if heading else ""
        parts.append(f"{label}<pre>{_esc(chr(10).join(lines))}</pre>" if lines else label)
    parts.append("</div>")
    return "".join(parts)


class FeedbackStep(NbGraderPreprocessor):
    """A preprocessor of `generate_feedback` that takes the HTML exporter's `display_data_priority`. The
    exporter sets it for every `NbConvertBase`; nbgrader's base preprocessor redeclares the trait without
    `config=True`, so each of its preprocessors but GetGrades logs "Config option `display_data_priority`
    not recognized" on every notebook. (The value is not used by these steps.)"""

    display_data_priority = List(["text/html", "application/pdf", "text/latex", "image/svg+xml", "image/png",
                                  "image/jpeg", "text/plain"]).tag(config=True)


class ClearHiddenTests(FeedbackStep, _ClearHiddenTests):
    """nbgrader's ClearHiddenTests, as a feedback step (see `FeedbackStep`)."""


class ReportCards(FeedbackStep):
    """For feedback: each test cell's feedback becomes a report card (`card_html`) and its score output
    is dropped; an error output (a cell that produced no score) stays, with its reason. The cell's
    metadata gets `backprop_title` and `backprop_headline` for the page's index. Text that is not in the
    grader's format (a test cell this course did not write) is left as nbgrader shows it, wrapped."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type != "code" or not is_grade(cell) or is_solution(cell):
            return cell, resources
        outputs = cell.get("outputs", [])
        streams = [o for o in outputs if o.output_type == "stream" and o.get("name") == "stdout"]
        cut = [o for o in streams if o.text.lstrip().startswith("… [")]  # `LimitOutputSize`'s note
        text = "".join(o.text for o in streams if o not in cut)
        card = parse(text) if text else None
        kept = [o for o in outputs if o.output_type == "error"]
        if card is None:
            kept = [o for o in outputs if o.output_type != "execute_result"]
        else:
            cell.metadata.nbgrader["backprop_title"] = card.title
            cell.metadata.nbgrader["backprop_headline"] = card.headline
            kept.insert(0, NotebookNode(output_type="display_data", metadata=NotebookNode(),
                                        data=NotebookNode({"text/html": card_html(card), "text/plain": text})))
            kept += cut  # what the grader cut from a flood of output is said after the card
        cell.outputs = kept
        return cell, resources
