"""Which numbers a learner's quiz questions use: the same function in the grader and, copied
verbatim, beside the learner's notebook (`quiz_variants.py` in the release).

A learner's numbers depend on their learner id only, so the notebook shows them offline. That
is not a secret and need not be: the grader draws from the student id nbgrader knows (the
`submitted/<id>/` folder), never from what the notebook says, so typing a classmate's id in
the notebook only shows the classmate's questions, and answering them costs the points.
"""

import hashlib
import os

QUESTIONS: dict[str, dict] = {}  # question id → {"ask": template, "names": [parameter names]}
CHOICES: dict[str, list[str]] = {}  # parameter name → its possible values, as written


def pick(learner: str, name: str, count: int) -> int:
    """Which of `count` choices parameter `name` takes for `learner`: a hash, so it is stable,
    independent between parameters, and the same in every process on every machine."""
    digest = hashlib.sha256(f"{learner}\0{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


def learner_id(typed: str = "") -> str:
    """JupyterHub's user name when there is one, else the id typed at the top of the notebook."""
    return (os.environ.get("JUPYTERHUB_USER") or str(typed or "")).strip()


def numbers(learner: str, question: str) -> dict[str, str]:
    """The learner's values of the question's parameters, as written (name → text)."""
    return {n: CHOICES[n][pick(learner, n, len(CHOICES[n]))] for n in QUESTIONS[question]["names"]}


def ask(learner: str, question: str) -> str:
    """The question with the learner's numbers in it."""
    return QUESTIONS[question]["ask"].format(**numbers(learner, question))


# --- in the learner's notebook -----------------------------------------------------------------

_learner = ""
NO_ID = ("No learner id yet. Type the id your instructor gave you between the quotes of LEARNER_ID "
         "above and run that cell again (on JupyterHub your user name is used by itself). Until then "
         "no question can show your numbers.")


def use(typed: str = "") -> str:
    """Set whose numbers the questions show, and say so."""
    global _learner
    _learner = learner_id(typed)
    if not _learner:
        print(NO_ID)
    else:
        hub = " (your JupyterHub user name)" if os.environ.get("JUPYTERHUB_USER") else ""
        print(f"The questions below show the numbers of learner {_learner!r}{hub}.")
    return _learner


class Shown(str):
    """A question as the notebook displays it: Markdown when a cell ends with it, text otherwise."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


def show(question: str) -> Shown:
    """The question with this learner's numbers (a cell that ends with it displays it)."""
    if not _learner:
        return Shown(NO_ID)
    return Shown(f"**{question}.** " + ask(_learner, question))
