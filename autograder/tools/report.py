"""What the class got wrong: the cohort report an instructor reads the morning after a deadline.

    backprop-course report [ASSIGNMENT ...] [--course DIR] [--out DIR]

Reads nbgrader's gradebook (scores) and the grader's stored results (per exercise: score, the
diagnosed mistakes, the feedback; why a recording stopped; how long it ran); regrades nothing.
Writes one self-contained HTML page (inline SVG charts, inline script: no network), the same tables
as CSV, and returns a short text summary.

Copied work: each learner's solution cells, with comments, names and whitespace normalised, are
compared within an assignment. Candidate pairs come from MinHash locality-sensitive hashing
(`datasketch`: sub-quadratic, so 5,000 learners do not make 12.5 million comparisons); each candidate's
similarity is then the normalised edit similarity of the two token streams (`rapidfuzz`, C++).
Both are maintained libraries doing exactly this; a flag is a prompt to look, not a verdict.
"""

from __future__ import annotations

import csv
import html
import json
import keyword
import re
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from autograder import assignments
from autograder.engine.results import STORE
from autograder.tools.course import ASSIGNMENTS

SIMILAR = 90.0  # rapidfuzz ratio (0–100) from which a pair is flagged
SHINGLE = 4


@dataclass
class Exercise:
    exercise: str
    score: float
    points: float
    diagnoses: list[str]
    feedback: str
    evidence: list[str] = field(default_factory=list)  # whose numbers a quiz answer belongs to


@dataclass
class Submission:
    student: str
    assignment: str
    score: float
    max_score: float
    exercises: list[Exercise] = field(default_factory=list)
    stopped: str | None = None
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    code: str = ""


@dataclass
class Cohort:
    assignments: list[str]
    students: list[str]
    submissions: dict[tuple[str, str], Submission]  # (student, assignment) → its submission
    stubs: dict[str, str] = field(default_factory=dict)  # assignment → the release's solution cells, unfilled


# --- reading ------------------------------------------------------------------------------------------


def load(root: Path, assignments: list[str] | None = None) -> Cohort:
    """Scores from the gradebook, everything else from the stored results and the submitted notebooks."""
    from nbgrader.api import Gradebook

    from autograder.engine.batch import db_url, load_config

    with Gradebook(db_url(load_config(root), root)) as gb:
        order = {a: k for k, a in enumerate(ASSIGNMENTS)}
        known = sorted((a.name for a in gb.assignments), key=lambda a: (order.get(a, len(order)), a))
        wanted = assignments or known
        missing = [a for a in wanted if a not in known]
        if missing:
            raise ValueError(f"the gradebook has no assignment {', '.join(missing)} (it has: {', '.join(known) or 'none'})")
        students = sorted(s.id for s in gb.students)
        subs: dict[tuple[str, str], Submission] = {}
        for a in wanted:
            for student, score in _scores(gb, a):
                subs[student, a] = Submission(student, a, float(score), float(gb.find_assignment(a).max_score))
    for (s, a), sub in subs.items():
        _add_results(root, sub)
        sub.code = _solution_code(root / "submitted" / s / a)
    stubs = {a: _solution_code(root / "release" / a) for a in wanted}
    return Cohort(list(wanted), students, subs, stubs)


def _scores(gb, assignment: str) -> list[tuple[str, float]]:
    """(student, score) of every submission of an assignment by nbgrader's own score definition
    (`Grade.score`: manual score if set, else auto score, plus extra credit), summed here from two
    plain scans: `Gradebook.submission_dicts` and a grouped join both take minutes on an unindexed
    gradebook of 5,000 learners, and the report must not write indexes into the instructor's file."""
    from nbgrader.api import Grade, SubmittedAssignment, SubmittedNotebook

    aid = gb.find_assignment(assignment).id
    owner = dict(gb.db.query(SubmittedNotebook.id, SubmittedAssignment.student_id)
                 .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                 .filter(SubmittedAssignment.assignment_id == aid).all())
    totals = {student: 0.0 for student in owner.values()}
    for notebook, score in gb.db.query(Grade.notebook_id, Grade.score):
        if notebook in owner:
            totals[owner[notebook]] += float(score or 0.0)
    return sorted(totals.items())


def _add_results(root: Path, sub: Submission) -> None:
    for path in sorted((root / STORE / sub.assignment / sub.student).glob("*.json")):
        try:
            outcome = json.loads(path.read_text(encoding="utf-8"))["outcome"]
        except (OSError, ValueError, KeyError):
            continue
        sub.exercises += [Exercise(r["exercise"], r["score"], r["points"], r.get("diagnoses", []), r["feedback"],
                                   r.get("evidence", [])) for r in outcome["results"]]
        sub.stopped = sub.stopped or outcome.get("stopped")
        sub.problems += [f"{p.get('cell')}: {p.get('error')}" for p in outcome.get("cell_problems", [])]
        sub.seconds += float(outcome.get("sandbox_seconds", 0.0))


def _solution_code(folder: Path) -> str:
    parts = []
    for path in sorted(folder.glob("*.ipynb")):
        try:  # plain JSON: nbformat's validation would cost more than the rest of the report
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            parts += ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells
                      if c.get("cell_type") == "code" and c.get("metadata", {}).get("nbgrader", {}).get("solution")]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a broken notebook has no code to compare
    return "\n".join(parts)


# --- copied work ----------------------------------------------------------------------------------------


TOKEN = re.compile(r"#[^\n]*|(\"\"\"|\'\'\'|\"|\')(?:\\.|(?!\1).)*?\1|[A-Za-z_]\w*|\d+(?:\.\d*)?(?:e-?\d+)?|\S", re.S)


def normalise(code: str) -> list[str]:
    """The code's tokens with comments and whitespace gone and every name that is not a Python
    keyword replaced by its order of first appearance: renaming variables and reformatting do not
    hide a copy. (A regular expression, not `tokenize`: ten times faster, and a half-written
    notebook that does not tokenize still compares.)"""
    names: dict[str, str] = {}
    out = []
    for m in TOKEN.finditer(code):
        tok = m.group(0)
        if tok.startswith("#"):
            continue
        if (tok[0].isalpha() or tok[0] == "_") and not keyword.iskeyword(tok):
            tok = names.setdefault(tok, f"v{len(names)}")
        out.append(tok)
    return out


def copied_pairs(codes: dict[str, str], threshold: float = SIMILAR, stub: str = "") -> list[tuple[str, str, float]]:
    """(learner, learner, similarity 0–100) for every pair whose normalised code is at least
    `threshold` similar, most similar first. Learners with no code of their own (empty, or the
    release's stubs unchanged) are skipped: two untouched notebooks are not a copy."""
    from datasketch import MinHash, MinHashLSH
    from rapidfuzz import fuzz

    untouched = normalise(stub)
    tokens = {s: t for s, c in codes.items() if c.strip() and (t := normalise(c)) != untouched}
    ids = sorted(s for s, t in tokens.items() if len(t) >= SHINGLE)
    if len(ids) < 2:
        return []
    shingles = [[" ".join(tokens[s][i:i + SHINGLE]).encode() for i in range(len(tokens[s]) - SHINGLE + 1)]
                for s in ids]
    hashes = MinHash.bulk(shingles, num_perm=64)
    lsh = MinHashLSH(threshold=0.5, num_perm=64)  # generous: rapidfuzz decides
    for s, h in zip(ids, hashes, strict=True):
        lsh.insert(s, h)
    joined = {s: " ".join(tokens[s]) for s in ids}
    pairs = set()
    for s, h in zip(ids, hashes, strict=True):
        for other in lsh.query(h):
            if other != s:
                pairs.add(tuple(sorted((s, other))))
    found = [(a, b, fuzz.ratio(joined[a], joined[b])) for a, b in pairs]
    return sorted([p for p in found if p[2] >= threshold], key=lambda p: (-p[2], p[0], p[1]))


# --- analysis -------------------------------------------------------------------------------------------


def _sentence(feedback: str, name: str) -> str:
    """The explanation the learner read for this diagnosis."""
    lines = [ln.strip() for ln in feedback.splitlines()]
    for ln in lines:
        if ln.startswith(f"This matches a known mistake: {name}."):
            return ln.removeprefix(f"This matches a known mistake: {name}.").strip()
    for k, ln in enumerate(lines):
        if ln.startswith("got ") and k + 1 < len(lines) and not lines[k + 1].startswith(("✓", "✗", "Where")):
            return lines[k + 1]
    return ""


def _expected_got(feedback: str) -> str:
    lines = [ln.strip() for ln in feedback.splitlines()]
    for k, ln in enumerate(lines):
        if ln.startswith("expected ") and k + 1 < len(lines) and lines[k + 1].startswith("got "):
            return f"{ln[:90]} / {lines[k + 1][:90]}"
    failed = [ln for ln in lines if ln and not ln.startswith(("✓", "✗")) and ":" not in ln[:3]]
    return failed[1][:180] if len(failed) > 1 else ""


def summarise(cohort: Cohort) -> dict:
    """Every number the page and the CSVs show, as plain data."""
    out: dict = {"assignments": {}, "learners": [], "funnel": [], "carry": []}
    codes = [{s: sub.code for (s, a2), sub in cohort.submissions.items() if a2 == a} for a in cohort.assignments]
    stubs = [cohort.stubs.get(a, "") for a in cohort.assignments]
    thresholds = [SIMILAR] * len(codes)
    if sum(len(c) for c in codes) > 2000:  # the copy search is most of the work: one process per assignment
        with ProcessPoolExecutor() as pool:
            copies = dict(zip(cohort.assignments, pool.map(copied_pairs, codes, thresholds, stubs), strict=True))
    else:
        copies = dict(zip(cohort.assignments, map(copied_pairs, codes, thresholds, stubs), strict=True))
    learner_mistakes: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for a in cohort.assignments:
        subs = [cohort.submissions[s, a] for s in cohort.students if (s, a) in cohort.submissions]
        maxima = [s.max_score for s in subs]
        top = max(maxima) if maxima else 0.0
        per_ex: dict[str, list[Exercise]] = defaultdict(list)
        mistakes: Counter = Counter()
        who: dict[str, set[str]] = defaultdict(set)
        sentence: dict[str, str] = {}
        section: dict[str, str] = {}
        unnamed, examples, other_numbers = 0, [], []
        for sub in subs:
            names = []
            for ex in sub.exercises:
                per_ex[ex.exercise].append(ex)
                other_numbers += [(sub.student, ex.exercise, whose) for whose in ex.evidence]
                for name in dict.fromkeys(ex.diagnoses):
                    if sub.student not in who[name]:
                        mistakes[name] += 1  # learners, not exercises: σ' at z in W1 and b1 is one learner
                    who[name].add(sub.student)
                    names.append(name)
                    sentence.setdefault(name, _sentence(ex.feedback, name))
                    section.setdefault(name, f"{ex.exercise}: {assignments.get(a).where_to_look(ex.exercise) or ''}".rstrip(": "))
                if ex.score < ex.points and not ex.diagnoses and "expected" in ex.feedback:
                    unnamed += 1
                    if len(examples) < 5:
                        examples.append({"exercise": ex.exercise, "shown": _expected_got(ex.feedback)})
            learner_mistakes[sub.student][a] = sorted(set(names))
        histogram = [0] * 10
        for sub in subs:
            share = sub.score / sub.max_score if sub.max_score else 0.0
            histogram[min(int(share * 10), 9)] += 1
        exercises = [{"exercise": name, "mean": sum(e.score for e in exs) / len(exs), "points": exs[0].points,
                      "full": sum(e.score >= e.points for e in exs) / len(exs), "n": len(exs)}
                     for name, exs in per_ex.items()]
        out["assignments"][a] = {
            "submitted": len(subs), "max": top, "histogram": histogram,
            "mean": sum(s.score for s in subs) / len(subs) if subs else 0.0,
            "exercises": exercises,
            "mistakes": [{"name": n, "count": c, "sentence": sentence[n], "section": section[n],
                          "learners": sorted(set(who[n]))} for n, c in mistakes.most_common()],
            "unnamed": unnamed, "unnamed_examples": examples,
            "stopped": sorted((s.student, s.stopped) for s in subs if s.stopped),
            "crashed": sorted((s.student, s.problems[0]) for s in subs if s.problems),
            "slowest": [(s.student, round(s.seconds, 2)) for s in sorted(subs, key=lambda s: -s.seconds)[:5]],
            "copied": copies[a],
            "other_numbers": sorted(other_numbers),
        }
        out["funnel"].append({"assignment": a, "submitted": len(subs), "of": len(cohort.students)})
    for s in cohort.students:
        row = {"student": s, "scores": {}, "mistakes": learner_mistakes.get(s, {})}
        for a in cohort.assignments:
            sub = cohort.submissions.get((s, a))
            row["scores"][a] = None if sub is None else sub.score
        out["learners"].append(row)
    for first, then in zip(cohort.assignments, cohort.assignments[1:], strict=False):
        top = out["assignments"][first]["mistakes"][:1]
        if top:
            name, had = top[0]["name"], set(top[0]["learners"])
            again = {s for s in had if name in learner_mistakes.get(s, {}).get(then, [])}
            out["carry"].append({"mistake": name, "in": first, "then": then, "had": len(had), "again": len(again)})
    return out


# --- writing --------------------------------------------------------------------------------------------


def text_summary(data: dict) -> str:
    lines = []
    for a, d in data["assignments"].items():
        top = ", ".join(f"{m['name']} ({m['count']})" for m in d["mistakes"][:3]) or "none"
        lines.append(f"{a}: {d['submitted']} submitted, mean {d['mean']:.2f} / {d['max']:g}; most common mistakes: "
                     f"{top}; unnamed wrong answers {d['unnamed']}; stopped {len(d['stopped'])}; "
                     f"possible copies {len(d['copied'])}"
                     + (f"; answers with someone else's numbers {len(d['other_numbers'])} "
                        f"(from {len({x[0] for x in d['other_numbers']})} learners)" if d["other_numbers"] else ""))
    return "\n".join(lines)


def write_csv(data: dict, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    assignments = list(data["assignments"])
    paths = [folder / "learners.csv", folder / "mistakes.csv", folder / "exercises.csv", folder / "copied.csv",
             folder / "other_numbers.csv"]
    with open(paths[0], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", *assignments, "mistakes"])
        for row in data["learners"]:
            w.writerow([row["student"], *("" if row["scores"][a] is None else f"{row['scores'][a]:g}" for a in assignments),
                        "; ".join(f"{a}: {m}" for a, ms in row["mistakes"].items() for m in ms)])
    with open(paths[1], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "mistake", "count", "explanation", "section", "learners"])
        for a, d in data["assignments"].items():
            for m in d["mistakes"]:
                w.writerow([a, m["name"], m["count"], m["sentence"], m["section"], " ".join(m["learners"])])
    with open(paths[2], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "exercise", "mean score", "points", "share with full marks", "submissions"])
        for a, d in data["assignments"].items():
            for e in d["exercises"]:
                w.writerow([a, e["exercise"], f"{e['mean']:.4g}", f"{e['points']:g}", f"{e['full']:.3f}", e["n"]])
    with open(paths[3], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "learner_a", "learner_b", "similarity"])
        for a, d in data["assignments"].items():
            for x, y, sim in d["copied"]:
                w.writerow([a, x, y, f"{sim:.1f}"])
    with open(paths[4], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "learner", "question", "right for the numbers of"])
        for a, d in data["assignments"].items():
            for learner, question, whose in d["other_numbers"]:
                w.writerow([a, learner, question, whose])
    return paths


def _bars(items: list[tuple[str, float]], width: int = 520, label_width: int = 230, unit: str = "") -> str:
    """A horizontal bar chart as inline SVG."""
    if not items:
        return "<p>none</p>"
    top = max(v for _, v in items) or 1.0
    rows = []
    for k, (label, value) in enumerate(items):
        w = (width - label_width - 50) * value / top
        rows.append(f'<text x="{label_width - 6}" y="{k * 22 + 15}" text-anchor="end">{html.escape(label[:40])}</text>'
                    f'<rect class="bar" x="{label_width}" y="{k * 22 + 3}" width="{w:.1f}" height="16"/>'
                    f'<text x="{label_width + w + 4:.1f}" y="{k * 22 + 15}">{value:g}{unit}</text>')
    return f'<svg class="chart" width="{width}" height="{len(items) * 22 + 6}">{"".join(rows)}</svg>'


def _histogram(counts: list[int]) -> str:
    top = max(counts) or 1
    bars = []
    for k, c in enumerate(counts):
        h = 120 * c / top
        bars.append(f'<rect class="bar" x="{k * 42 + 30}" y="{130 - h:.1f}" width="36" height="{h:.1f}"/>'
                    f'<text x="{k * 42 + 48}" y="{125 - h:.1f}" text-anchor="middle">{c}</text>'
                    f'<text x="{k * 42 + 48}" y="146" text-anchor="middle">{k * 10}%</text>')
    return f'<svg class="chart histogram" width="460" height="152">{"".join(bars)}</svg>'


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Cohort report</title><style>
body{{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}} .bar{{fill:#4a78b5}} svg text{{font-size:11px}}
table{{border-collapse:collapse;margin:.5em 0}} td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}
th.sortable{{cursor:pointer;background:#eef}} .note{{color:#555}}
pre{{background:#f6f6f6;padding:6px;max-height:14em;overflow:auto}}
.pager button{{margin:0 2px}}
</style></head><body>
<h1>Cohort report</h1>
<p class="note">From the gradebook and the grader's stored results; nothing was regraded. {learners} learners.</p>
<h2>Funnel</h2>{funnel}
<h2>Mistakes that carry over</h2>{carry}
{sections}
<h2>Learners</h2>
<p class="note">Click a column to sort. {learners} rows, {page} per page.</p>
<table id="learners"><thead><tr>{learner_head}</tr></thead><tbody></tbody></table>
<div class="pager" id="pager"></div>
<script id="learner-data" type="application/json">{learner_json}</script>
<script>
const rows = JSON.parse(document.getElementById("learner-data").textContent);
const PAGE = {page}; let page = 0, key = 0, dir = 1;
const table = document.getElementById("learners"), body = table.tBodies[0];
function cmp(a, b) {{ const x = a[key], y = b[key];
  if (x === y) return 0; if (x === null) return 1; if (y === null) return -1;
  return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * dir; }}
function render() {{
  const sorted = rows.slice().sort(cmp); body.replaceChildren();
  for (const r of sorted.slice(page * PAGE, (page + 1) * PAGE)) {{
    const tr = document.createElement("tr");
    for (const v of r) {{ const td = document.createElement("td"); td.textContent = v === null ? "–" : v; tr.appendChild(td); }}
    body.appendChild(tr); }}
  const pager = document.getElementById("pager"); pager.replaceChildren();
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  for (let p = 0; p < pages && pages > 1; p++) {{
    const b = document.createElement("button"); b.textContent = p + 1; b.disabled = p === page;
    b.onclick = () => {{ page = p; render(); }}; pager.appendChild(b); }}
}}
table.querySelectorAll("th").forEach((th, k) => {{ th.classList.add("sortable");
  th.onclick = () => {{ dir = key === k ? -dir : 1; key = k; page = 0; render(); }}; }});
render();
</script></body></html>
"""


def _table(head: list[str], rows: list[list]) -> str:
    if not rows:
        return "<p>none</p>"
    cells = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in rows)
    return "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + f"</tr>{cells}</table>"


def _section(a: str, d: dict, code_of: dict[tuple[str, str], str]) -> str:
    parts = [f'<h2 id="{html.escape(a)}">{html.escape(a)}</h2>',
             f"<p>{d['submitted']} submitted; mean score {d['mean']:.2f} of {d['max']:g}.</p>",
             "<h3>Score distribution (share of the maximum)</h3>", _histogram(d["histogram"]),
             "<h3>Exercises</h3>",
             _table(["exercise", "mean score", "points", "full marks"],
                    [[e["exercise"], f"{e['mean']:.2f}", f"{e['points']:g}", f"{e['full']:.0%}"] for e in d["exercises"]]),
             "<h3>Diagnosed mistakes, most common first</h3>",
             _bars([(m["name"], m["count"]) for m in d["mistakes"][:15]]),
             _table(["mistake", "learners", "what they read", "re-teach"],
                    [[m["name"], m["count"], m["sentence"], m["section"]] for m in d["mistakes"]]),
             "<details><summary>Learners per mistake</summary>",
             _table(["mistake", "learners"], [[m["name"], " ".join(m["learners"])] for m in d["mistakes"]]),
             "</details>",
             f"<h3>Wrong answers with no diagnosis: {d['unnamed']}</h3>",
             _table(["exercise", "expected / got"], [[e["exercise"], e["shown"]] for e in d["unnamed_examples"]]),
             "<h3>Stopped (time, memory, processes, output) and crashed cells</h3>",
             _table(["learner", "why"], d["stopped"] + d["crashed"]),
             "<h3>Slowest submissions (seconds in the sandbox)</h3>", _table(["learner", "seconds"], d["slowest"]),
             "<h3>Possibly copied work</h3>",
             '<p class="note">A flag, not a verdict: the two learners\' solution cells are this similar after '
             "normalising names, comments and whitespace. Shared starter code and short exercises look alike; "
             "read them side by side before deciding anything.</p>"]
    for x, y, sim in d["copied"][:50]:
        parts.append(f"<details><summary>{html.escape(x)} and {html.escape(y)}: {sim:.0f}% similar</summary>"
                     f"<table><tr><th>{html.escape(x)}</th><th>{html.escape(y)}</th></tr><tr>"
                     f"<td><pre>{html.escape(code_of.get((x, a), ''))}</pre></td>"
                     f"<td><pre>{html.escape(code_of.get((y, a), ''))}</pre></td></tr></table></details>")
    if not d["copied"]:
        parts.append("<p>none</p>")
    if d["other_numbers"]:
        parts += ["<h3>Answers right for someone else's numbers</h3>",
                  '<p class="note">Each learner\'s quiz has their own numbers. These wrong answers are right for '
                  "another learner's numbers (or for the bank's example): copied, or worked with the wrong id. The "
                  "learner was told only that the answer belongs to other numbers.</p>",
                  _table(["learner", "question", "right for the numbers of"], d["other_numbers"])]
    return "\n".join(parts)


def write_html(data: dict, cohort: Cohort, path: Path, per_page: int = 50) -> Path:
    assignments = list(data["assignments"])
    rows = [[r["student"], *(r["scores"][a] for a in assignments),
             "; ".join(f"{a}: {', '.join(ms)}" for a, ms in r["mistakes"].items() if ms)] for r in data["learners"]]
    code_of = {(s, a): sub.code for (s, a), sub in cohort.submissions.items()}
    funnel = _bars([(f["assignment"], f["submitted"]) for f in data["funnel"]], unit=f" of {len(cohort.students)}")
    carry = _table(["mistake", "in", "learners", "then in", "made it again"],
                   [[c["mistake"], c["in"], c["had"], c["then"], c["again"]] for c in data["carry"]])
    page = PAGE.format(learners=len(cohort.students), funnel=funnel, carry=carry, page=per_page,
                       sections="\n".join(_section(a, data["assignments"][a], code_of) for a in assignments),
                       learner_head="".join(f"<th>{html.escape(h)}</th>" for h in ["learner", *assignments, "mistakes"]),
                       learner_json=json.dumps(rows).replace("</", "<\\/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def build(root: Path, assignments: list[str] | None = None, out: Path | None = None) -> tuple[Path, str]:
    """Write report.html and the CSVs under `out` (default: <course>/reports); (page, text summary)."""
    cohort = load(root, assignments)
    data = summarise(cohort)
    out = out or root / "reports"
    write_csv(data, out)
    return write_html(data, cohort, out / "report.html"), text_summary(data)
