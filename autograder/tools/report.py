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
import functools
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
    untouched: bool = False  # no code of its own: empty, or the release's solution cells unchanged


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

    from autograder.engine.batch_worker import db_url, load_config

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
    stubs = {a: _solution_code(root / "release" / a) for a in wanted}
    untouched = {a: normalise(stub) for a, stub in stubs.items()}
    for (s, a), sub in subs.items():
        _add_results(root, sub)
        sub.code = _solution_code(root / "submitted" / s / a)
        stub = stubs[a]
        # the release's solution cells, unchanged (comments and spacing aside); the token comparison only
        # for code about the stub's length: it is most of the cost for 5,000 learners
        sub.untouched = not sub.code.strip() or sub.code == stub or (
            abs(len(sub.code) - len(stub)) < 0.2 * len(stub) and normalise(sub.code) == untouched[a])
        if sub.problems:
            sub.problems = _name_exercises(sub.problems, root / "autograded" / s / a, a)
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


def _name_exercises(problems: list[str], folder: Path, assignment: str) -> list[str]:
    """Each "cell 21: NotImplementedError: …" as "Hidden weights ∂L/∂W1 (cell 21): …": the exercise is
    the one whose test cell comes next after the cell that raised, in the autograded notebook (the one the
    sandbox ran: test cells restored, with the hidden `grade(...)` call that names their exercise)."""
    from autograder.engine.notebook_grading import _grade_call
    from autograder.grading import title_of

    exercise_at: dict[str, str] = {}
    for path in sorted(folder.glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        pending: list[str] = []
        title = ""
        for i, cell in enumerate(cells):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            source = "".join(cell["source"]) if isinstance(cell.get("source"), list) else str(cell.get("source", ""))
            call = _grade_call(source) if meta.get("grade") and not meta.get("solution") else None
            if call is not None:
                try:
                    title = title_of(assignment, call[1])
                except KeyError:
                    title = call[1]
                exercise_at.update({name: title for name in pending})
                pending = []
            elif cell.get("cell_type") == "code":
                pending += [meta.get("grade_id", f"cell {i + 1}"), f"cell {i + 1}"]
        if title:  # cells after the last exercise: not graded, but they use what came before
            exercise_at.update({name: f"\0{title}" for name in pending})
    named = []
    for problem in problems:
        cell, _, error = problem.partition(": ")
        if error.strip() == "NotImplementedError:":
            error = "NotImplementedError (the release's raise NotImplementedError() is still there: not written yet)"
        where = exercise_at.get(cell)
        if where and where.startswith("\0"):
            named.append(f"{cell}, after the last exercise ({where[1:]}), not graded: {error}")
        else:
            named.append(f"{where} ({cell}): {error}" if where else f"{cell}: {error}")
    return named


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
        wrong_answers: dict[str, Counter] = defaultdict(Counter)  # exercise → its wrong answers (the quiz's)
        for sub in subs:
            names = []
            for ex in sub.exercises:
                if not sub.untouched:  # an exercise's mean is over notebooks with code of their own
                    per_ex[ex.exercise].append(ex)
                if ex.score < ex.points and not sub.untouched:
                    wrong_answers[ex.exercise][_wrong_answer(ex)] += 1
                other_numbers += [(sub.student, ex.exercise, whose) for whose in ex.evidence]
                for name in dict.fromkeys(ex.diagnoses):
                    if sub.student not in who[name]:
                        mistakes[name] += 1  # learners, not exercises: σ' at z in W1 and b1 is one learner
                    who[name].add(sub.student)
                    names.append(name)
                    sentence.setdefault(name, _sentence(ex.feedback, name))
                    formula = assignments.get(a).where_to_look(ex.exercise) or _question(a, ex.exercise)
                    section.setdefault(name, f"{_title(a, ex.exercise)}: {formula}".rstrip(": "))
                if ex.score < ex.points and not ex.diagnoses and "expected" in ex.feedback:
                    unnamed += 1
                    if len(examples) < 5:
                        examples.append({"exercise": ex.exercise, "shown": _expected_got(ex.feedback)})
            learner_mistakes[sub.student][a] = sorted(set(names))
        histogram = [0] * 11  # 0–9 %, 10–19 %, …, 90–99 %, and full marks on its own
        for sub in subs:
            share = sub.score / sub.max_score if sub.max_score else 0.0
            histogram[10 if share >= 1 else min(int(share * 100 + 1e-9) // 10, 9)] += 1
        exercises = [{"exercise": name, "title": _title(a, name), "mean": sum(e.score for e in exs) / len(exs),
                      "points": exs[0].points, "full": sum(e.score >= e.points for e in exs) / len(exs), "n": len(exs),
                      "question": _question(a, name),
                      "wrong": [(w, n) for w, n in wrong_answers[name].most_common(3) if w]}
                     for name, exs in per_ex.items()]
        out["assignments"][a] = {
            "submitted": len(subs), "untouched": sum(s.untouched for s in subs), "max": top, "histogram": histogram,
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
    out["carry"] = _carry_over(cohort, out, learner_mistakes)
    out["reteach"] = _reteach(out)
    return out


@functools.cache
def _title(assignment: str, exercise: str) -> str:
    """The exercise's name as the notebook and the feedback say it ("Hidden weights ∂L/∂W1", not
    "hidden_weights"; a quiz question's id)."""
    from autograder.grading import title_of

    try:
        return exercise if assignment == "quiz" else title_of(assignment, exercise)
    except KeyError:
        return exercise


@functools.cache
def _question(assignment: str, exercise: str) -> str:
    """A quiz question's text, with the bank's own numbers (each learner's differ)."""
    if assignment != "quiz":
        return ""
    from autograder.assignments.quiz import banks

    try:
        return banks.asked(banks.question(exercise), "")
    except (KeyError, ValueError, OSError, TypeError):
        return ""


_GIVEN = re.compile(r"^\w+: (?P<given>.+?) is (?:not right|not equivalent to the right formula|the right answer for other)")


def _wrong_answer(ex: Exercise) -> str:
    """What a wrong answer was, in words that are the same across learners: its diagnosis when there is one
    (numbers differ from learner to learner; "sign flip" does not), else the formula or shape given."""
    if ex.diagnoses:
        return ex.diagnoses[0]
    for line in ex.feedback.splitlines():
        line = line.strip()
        m = _GIVEN.match(line)
        if m:
            given = m["given"]
            return given if given.startswith(("'", '"', "(")) else "a wrong number, no known relation"
        if line.endswith("the shape is not right."):
            return "a wrong shape"
    return ""


def _carry_over(cohort: Cohort, out: dict, learner_mistakes: dict[str, dict[str, list[str]]]) -> list[dict]:
    """For the three commonest mistakes of each assignment: the next assignment that examines the same
    concept again (`concepts`), how many of those learners submitted it, and how many of them made a
    mistake of that concept there again. Never paired with an assignment that cannot show it."""
    from autograder.tools.concepts import concept_of, examined_again, same_concept

    named_in = {a: {m["name"] for m in d["mistakes"]} for a, d in out["assignments"].items()}
    rows = []
    for a in cohort.assignments:
        for m in out["assignments"][a]["mistakes"][:3]:
            then = examined_again(m["name"], a, cohort.assignments, named_in)
            concept = concept_of(m["name"])
            if not then:
                continue
            had = set(m["learners"])
            took = {s for s in had if (s, then[0]) in cohort.submissions}
            again = {s for s in took if any(same_concept(m["name"], n) for n in learner_mistakes.get(s, {}).get(then[0], []))}
            rows.append({"mistake": m["name"], "concept": concept.label if concept else m["name"], "in": a,
                         "then": then[0], "had": len(had), "took": len(took), "again": len(again)})
    return rows


def _reteach(out: dict) -> dict:
    """The page's first section: the mistakes most learners made, across assignments, gathered by concept
    (`concepts`: "sigmoid derivative at z" in classification and "activation derivative at z" in the
    layers are one thing to re-teach; each learner counted once), with the formula to re-teach; and the
    exercises with the lowest share of full marks. Answers right for someone else's numbers are not a
    mistake to re-teach (the quiz section lists them)."""
    from autograder.assignments.quiz.builder import OTHER_NUMBERS
    from autograder.tools.concepts import concept_of

    learners: dict[str, set[str]] = defaultdict(set)
    where: dict[str, list[str]] = defaultdict(list)
    names: dict[str, list[str]] = defaultdict(list)
    times: Counter = Counter()
    section: dict[str, str] = {}
    for a, d in out["assignments"].items():
        for m in d["mistakes"]:
            if m["name"] == OTHER_NUMBERS:
                continue
            concept = concept_of(m["name"])
            key = concept.label if concept else m["name"]
            learners[key] |= set(m["learners"])
            times[key] += m["count"]
            where[key] += [a] if a not in where[key] else []
            names[key] += [m["name"]] if m["name"] not in names[key] else []
            section.setdefault(key, m["section"])
    submitted = {r["student"] for r in out["learners"] if any(v is not None for v in r["scores"].values())}
    mistakes = sorted(learners, key=lambda n: (-len(learners[n]), -times[n], n))[:5]
    exercises = sorted(((a, e) for a, d in out["assignments"].items() for e in d["exercises"] if e["n"] and e["full"] < 1),
                       key=lambda ae: (ae[1]["full"], ae[1]["mean"] / (ae[1]["points"] or 1)))[:5]
    return {
        "learners": len(submitted),
        "mistakes": [{"name": n, "names": names[n], "learners": len(learners[n]), "times": times[n],
                      "assignments": where[n], "section": section[n]} for n in mistakes],
        "exercises": [{"assignment": a, "exercise": e["exercise"], "title": e["title"], "full": e["full"],
                       "mean": e["mean"], "points": e["points"], "n": e["n"]} for a, e in exercises],
    }


# --- writing --------------------------------------------------------------------------------------------


def text_summary(data: dict) -> str:
    r = data["reteach"]
    lines = ["What to re-teach: " + ("; ".join(f"{m['name']} ({m['learners']} of {r['learners']} learners)"
                                             for m in r["mistakes"][:3]) or "no mistake was diagnosed"),
             "Lowest share of full marks: " + "; ".join(f"{e['assignment']} {e['title']} ({e['full']:.0%})"
                                                        for e in r["exercises"][:3])]
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
        w.writerow(["assignment", "exercise", "title", "mean score", "points", "share with full marks",
                    "notebooks (untouched ones left out)", "untouched notebooks", "commonest wrong answers"])
        for a, d in data["assignments"].items():
            for e in d["exercises"]:
                w.writerow([a, e["exercise"], e["title"], f"{e['mean']:.4g}", f"{e['points']:g}", f"{e['full']:.3f}",
                            e["n"], d["untouched"], "; ".join(f"{w_} ({n})" for w_, n in e["wrong"])])
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


HISTOGRAM_LABELS = [f"{k * 10}–{k * 10 + 9}" for k in range(10)] + ["100"]


def _ticks(top: int) -> list[int]:
    """Whole-number ticks from 0 to at least `top` (the tallest bar), six at most, at 1, 2, 5, 10, 20, … apart."""
    step = 1
    while top > 5 * step:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return list(range(0, -(-max(top, 1) // step) * step + 1, step))


def _histogram(counts: list[int]) -> str:
    """Learners per score band, as inline SVG: a y axis with whole-number ticks, every count written above
    its bar with room to spare, bars labelled by their band (full marks its own bar)."""
    ticks = _ticks(max(counts) or 1)
    top = ticks[-1]
    left, bar, gap, plot_top, plot_h = 44, 40, 8, 22, 130
    width = left + len(counts) * (bar + gap) + 10
    parts = ['<text class="axis-title" x="4" y="12">learners</text>']
    for t in ticks:
        y = plot_top + plot_h - plot_h * t / top
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 6}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{t}</text>')
    parts.append(f'<line class="axis" x1="{left}" x2="{left}" y1="{plot_top}" y2="{plot_top + plot_h}"/>')
    for k, c in enumerate(counts):
        h = plot_h * c / top
        x = left + gap + k * (bar + gap)
        y = plot_top + plot_h - h
        parts.append(f'<rect class="bar{" full" if k == 10 else ""}" x="{x}" y="{y:.1f}" width="{bar}" height="{h:.1f}">'
                     f"<title>{HISTOGRAM_LABELS[k]} %: {c}</title></rect>"
                     f'<text class="count" x="{x + bar / 2}" y="{y - 4:.1f}" text-anchor="middle">{c}</text>'
                     f'<text x="{x + bar / 2}" y="{plot_top + plot_h + 15}" text-anchor="middle">{HISTOGRAM_LABELS[k]}</text>')
    parts.append(f'<text class="axis-title" x="{left + gap}" y="{plot_top + plot_h + 32}">score, % of the maximum '
                 "(rounded down; 100 = full marks)</text>")
    return (f'<svg class="chart histogram" width="{width}" height="{plot_top + plot_h + 38}" '
            f'role="img" aria-label="learners per score band">{"".join(parts)}</svg>')


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Cohort report</title><style>
body{{font:14px system-ui,sans-serif;margin:2em auto;padding:0 2em;max-width:1100px;overflow-wrap:break-word}}
.bar{{fill:#4a78b5}} .bar.full{{fill:#2f8a4c}} svg text{{font-size:11px}} svg .count{{font-weight:600}}
svg .grid{{stroke:#e3e6ea}} svg .axis{{stroke:#777}} svg .axis-title{{fill:#555}} svg{{max-width:100%;overflow:visible}}
table{{border-collapse:collapse;margin:.5em 0;max-width:100%}} td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left;
vertical-align:top}} th.sortable{{cursor:pointer;background:#eef}} .note{{color:#555}} td.num,th.num{{text-align:right}}
pre{{background:#f6f6f6;padding:6px;max-height:14em;overflow:auto;margin:0;white-space:pre}}
.pair{{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:8px;margin:.3em 0 1em}}
.pair h4{{margin:.2em 0}} .pair>div{{min-width:0}}
.summary{{background:#f3f7fc;border:1px solid #c9d8ea;border-radius:6px;padding:.4em 1.2em .8em}}
.summary h2{{margin-top:.4em}} .summary li{{margin:.3em 0}}
.pager button{{margin:0 2px}}
</style></head><body>
<h1>Cohort report</h1>
<p class="note">From the gradebook and the grader's stored results; nothing was regraded. {learners} learners.</p>
{reteach}
<h2>Funnel</h2>{funnel}
<h2>Mistakes that carry over</h2>
<p class="note">For the three commonest mistakes of each assignment: the next assignment that examines the same
concept, and how many of the learners who made it made a mistake of that concept there again (of those who
submitted it). A mistake is never compared with an assignment that cannot show it.</p>{carry}
{sections}
<h2>Learners</h2>
<p class="note">Scores out of the maximum in each column's heading. Click a column to sort. {learners} rows,
{page} per page.</p>
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


def _table(head: list[str], rows: list[list], numeric: tuple[int, ...] = ()) -> str:
    if not rows:
        return "<p>none</p>"

    def cell(k: int, v, tag: str = "td") -> str:
        kind = ' class="num"' if k in numeric else ""
        return f"<{tag}{kind}>{html.escape(str(v))}</{tag}>"
    cells = "".join("<tr>" + "".join(cell(k, v) for k, v in enumerate(r)) + "</tr>" for r in rows)
    return "<table><tr>" + "".join(cell(k, h, "th") for k, h in enumerate(head)) + f"</tr>{cells}</table>"


def _reteach_html(r: dict) -> str:
    """The summary an instructor reads first: what to re-teach."""
    n = r["learners"] or 1
    mistakes = "".join(
        f"<li><b>{html.escape(m['name'])}</b>"
        + (f" ({html.escape(', '.join(m['names']))})" if m["names"] != [m["name"]] else "")
        + f": {m['learners']} of {r['learners']} learners ({m['learners'] / n:.0%}), {m['times']} times, in "
        f"{html.escape(', '.join(m['assignments']))}. Re-teach: {html.escape(m['section'] or 'the exercise')}.</li>"
        for m in r["mistakes"]) or "<li>No mistake was diagnosed.</li>"
    exercises = "".join(
        f"<li><b>{html.escape(e['assignment'])} · {html.escape(e['title'])}</b>: {e['full']:.0%} full marks, mean "
        f"{e['mean']:.2f} of {e['points']:g} ({e['n']} notebooks with code of their own)</li>" for e in r["exercises"])
    return ('<div class="summary" id="summary"><h2>What to re-teach</h2>'
            "<h3>The mistakes most learners made, across assignments</h3>"
            f"<ol>{mistakes}</ol><h3>The exercises with the lowest share of full marks</h3>"
            f"<ol>{exercises or '<li>none</li>'}</ol></div>")


def _section(a: str, d: dict, code_of: dict[tuple[str, str], str]) -> str:
    quiz = any(e["question"] for e in d["exercises"])
    touched = d["submitted"] - d["untouched"]
    means = (f"Means over the {touched} notebooks with code of their own; the {d['untouched']} untouched "
             "(the release as handed out, or empty) are left out, and count as 0 in the scores above."
             if d["untouched"] else f"Means over all {touched} notebooks (none was left untouched).")
    if quiz:
        ex_table = _table(["question", "asked", "mean score", "full marks", "commonest wrong answers"],
                          [[e["title"], e["question"], f"{e['mean']:.2f} / {e['points']:g}", f"{e['full']:.0%}",
                            "; ".join(f"{w} ({n}×)" for w, n in e["wrong"]) or "–"] for e in d["exercises"]], (2, 3))
    else:
        ex_table = _table(["exercise", "mean score", "full marks", "notebooks"],
                          [[e["title"], f"{e['mean']:.2f} / {e['points']:g}", f"{e['full']:.0%}", e["n"]]
                           for e in d["exercises"]], (1, 2, 3))
    parts = [f'<h2 id="{html.escape(a)}">{html.escape(a)}</h2>',
             f"<p>{d['submitted']} submitted; mean score {d['mean']:.2f} of {d['max']:g}.</p>",
             "<h3>Score distribution (learners per band of the maximum)</h3>", _histogram(d["histogram"]),
             "<h3>Questions</h3>" if quiz else "<h3>Exercises</h3>", f'<p class="note">{means}</p>', ex_table,
             "<h3>Diagnosed mistakes, most common first</h3>",
             _bars([(m["name"], m["count"]) for m in d["mistakes"][:15]]),
             _table(["mistake", "learners", "what they read", "re-teach"],
                    [[m["name"], m["count"], m["sentence"], m["section"]] for m in d["mistakes"]], (1,)),
             "<details><summary>Learners per mistake</summary>",
             _table(["mistake", "learners"], [[m["name"], " ".join(m["learners"])] for m in d["mistakes"]]),
             "</details>",
             f"<h3>Wrong answers with no diagnosis: {d['unnamed']}</h3>",
             _table(["exercise", "expected / got"], [[_title(a, e["exercise"]), e["shown"]] for e in d["unnamed_examples"]]),
             "<h3>Stopped (time, memory, processes, output) and crashed cells</h3>",
             _table(["learner", "why"], d["stopped"] + d["crashed"]),
             "<h3>Slowest submissions (seconds in the sandbox)</h3>", _table(["learner", "seconds"], d["slowest"], (1,)),
             "<h3>Possibly copied work</h3>",
             '<p class="note">A flag, not a verdict: the two learners\' solution cells are this similar after '
             "normalising names, comments and whitespace. Shared starter code and short exercises look alike; "
             "read them side by side before deciding anything.</p>"]
    for x, y, sim in d["copied"][:50]:
        parts.append(f"<details><summary>{html.escape(x)} and {html.escape(y)}: {sim:.0f}% similar</summary>"
                     f'<div class="pair"><div><h4>{html.escape(x)}</h4><pre>{html.escape(code_of.get((x, a), ""))}</pre></div>'
                     f'<div><h4>{html.escape(y)}</h4><pre>{html.escape(code_of.get((y, a), ""))}</pre></div></div></details>')
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
    carry = _table(["mistake", "concept", "in", "learners", "examined again in", "of them submitted it", "made it again"],
                   [[c["mistake"], c["concept"], c["in"], c["had"], c["then"], c["took"], c["again"]] for c in data["carry"]],
                   (3, 5, 6))
    head = ["learner", *(f"{a} (/ {data['assignments'][a]['max']:g})" for a in assignments), "mistakes"]
    page = PAGE.format(learners=len(cohort.students), funnel=funnel, carry=carry, page=per_page,
                       reteach=_reteach_html(data["reteach"]),
                       sections="\n".join(_section(a, data["assignments"][a], code_of) for a in assignments),
                       learner_head="".join(f"<th>{html.escape(h)}</th>" for h in head),
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
