"""A class on a real JupyterHub, driven in Chromium (issue #26).

The test starts `backprop-course hub --learners 2` (real Unix accounts with a unique prefix, the
local-process spawner, configurable-http-proxy, nbgrader's exchange) and plays a class in the browser:
the instructor generates and releases two assignments from the formgrader; each learner logs in,
fetches from the Assignments list, fills the notebooks (written through the learner's own server),
presses Validate, runs `python -m pytest` in a JupyterLab terminal and submits; one learner plants a
link to the gradebook in their submission; the instructor collects, autogrades each submission from
the formgrader (the course's nbgrader_config.py: learner code in the sandbox), generates and releases
feedback; each learner fetches the feedback and reads their own diagnosis. Then the permissions, as
each learner's uid. Screenshots: test-artifacts/hub/. Root only (it creates accounts); the accounts,
their processes and the state folder are removed at the end.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.assignments.quiz import banks
from autograder.instruments.samples import SAMPLES, Sample, change_answer
from autograder.tools import hub
from tests.conftest import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts" / "hub"
PASSWORD = "trial-" + secrets.token_hex(4)
ASSIGNMENTS = ("regression", "quiz")
QUIZ = banks.computable()  # one point per computable interview question, in the notebook's order

pytestmark = [
    pytest.mark.slow, pytest.mark.cycle,
    pytest.mark.skipif(os.geteuid() != 0, reason="creates Unix accounts and runs JupyterHub's local-process spawner: root"),
    pytest.mark.skipif(not (shutil.which("useradd") and os.path.exists(CHROMIUM) and shutil.which("bwrap")),
                       reason="needs useradd, chromium and bubblewrap (tests/setup-dev.sh)"),
    pytest.mark.skipif(not (hub.BIN / "jupyterhub").exists(), reason="needs the [hub] extra (tests/setup-dev.sh)"),
]


@pytest.fixture(scope="module")
def class_hub():
    """`backprop-course hub` in its own process group; afterwards stopped, then `--remove`d."""
    prefix = f"bpt{secrets.token_hex(2)}-"
    uids: list[int] = []
    state = Path(tempfile.mkdtemp(prefix="backprop-hub-", dir="/tmp"))
    port = hub.free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    out = open(state.parent / f"{state.name}.out", "wb")
    proc = subprocess.Popen([str(hub.BIN / "backprop-course"), "hub", "--learners", "2", "--prefix", prefix,
                             "--password", PASSWORD, "--port", str(port), "--state", str(state)],
                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while b"JupyterHub is up" not in Path(out.name).read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"backprop-course hub did not start:\n{Path(out.name).read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        the_hub = hub.Hub.load(state)
        uids = [pwd.getpwnam(name).pw_uid for name in [the_hub.instructor, *the_hub.learners]]
        yield the_hub
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)  # serve() stops the hub, which stops every user's server
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log = state / "private" / "jupyterhub.log"
        if log.exists():
            shutil.copy(log, ARTIFACTS / "jupyterhub.log")
        if (state / "private" / "hub.json").exists():
            subprocess.run([str(hub.BIN / "backprop-course"), "hub", "--remove", "--state", str(state)], check=False)
        out.close()
        Path(out.name).unlink(missing_ok=True)
        shutil.rmtree(state, ignore_errors=True)
    left = [name for name in [f"{prefix}instructor", f"{prefix}learner1", f"{prefix}learner2"] if _exists(name)]
    assert not left, f"accounts left behind: {left}"
    assert not list(Path("/home").glob(f"{prefix}*")), "homes left behind"
    assert not [pid for uid in uids for pid in hub._processes_of(uid)], "processes left behind"


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False


# --- the browser ------------------------------------------------------------------------------


T0 = [time.monotonic()]


def _phase(name: str) -> None:
    """How long each part of the class took (printed: pytest -s, or the captured output of a failure)."""
    print(f"[hub test] {name}: {time.monotonic() - T0[0]:.1f} s", flush=True)


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _log_in(browser, h: hub.Hub, user: str):
    """A fresh browser context (its own cookies) on the hub's login page, the form sent: the hub starts
    the user's server (`_lab` waits for it), so the three servers start side by side."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{h.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    return page


def _lab(page, h: hub.Hub, user: str):
    """The user's JupyterLab, once their server is up. Two settings (through the settings API, then a
    fresh workspace): the terminal's screen-reader mode (xterm draws on a canvas; in that mode its text
    is in the page too) and every notebook cell rendered (not only those in view)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):  # a learner whose spawn page stalls opens their server's address again
        try:
            page.wait_for_selector(".jp-LabShell", timeout=60_000)
            break
        except PlaywrightTimeout:
            print(f"{user}: no JupyterLab after 60 s on {page.url}: opening /user/{user}/lab again", flush=True)
            page.goto(f"{h.url}/user/{user}/lab")
    page.wait_for_selector(".jp-LabShell", timeout=60_000)
    assert page.url.startswith(f"{h.url}/user/{user}/lab")
    _api(page, "PUT", "lab/api/settings/@jupyterlab/terminal-extension:plugin", {"raw": '{"screenReaderMode": true}'})
    _api(page, "PUT", "lab/api/settings/@jupyterlab/notebook-extension:tracker", {"raw": '{"windowingMode": "none"}'})
    page.goto(f"{h.url}/user/{user}/lab?reset")
    page.wait_for_selector(".jp-LauncherCard", timeout=60_000)
    return page


def _modal(page, what: str) -> str:
    """The formgrader's answer to a button: its success or error modal's text, then closed."""
    page.wait_for_selector("#success-modal, #error-modal", timeout=240_000)
    page.wait_for_timeout(300)
    modal = page.locator(".modal.in, #success-modal, #error-modal").first
    text = modal.inner_text()
    assert page.locator("#error-modal").count() == 0, f"the formgrader's {what} failed:\n{text[-3000:]}"
    modal.locator("button", has_text="OK").first.click()
    page.wait_for_selector("#success-modal", state="detached", timeout=30_000)
    return text


def _formgrader_row(page, h: hub.Hub, assignment: str):
    page.goto(f"{h.url}/user/{h.instructor}/formgrader/manage_assignments")
    page.wait_for_selector("td.name a", timeout=60_000)
    return page.locator("tr", has=page.locator("td.name a", has_text=re.compile(f"^{assignment}$")))


def _assignment_list(page):
    """Nbgrader → Assignment List, as a learner opens it."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    page.wait_for_selector("#nbgrader-assignment-list #released_assignments_list", timeout=60_000)
    page.wait_for_selector("#released_assignments_list_loading", state="hidden", timeout=60_000)


def _refresh(page) -> None:
    page.locator("#refresh_assignments_list").click()
    page.wait_for_timeout(1500)


def _server(page) -> str:
    """The address of the Jupyter server the page is on (http://host:port/user/<name>), wherever on it."""
    found = re.match(r"https?://[^/]+/user/[^/?#]+", page.url)
    assert found, f"not on a user's server: {page.url}"
    return found.group(0)


def _api(page, method: str, path: str, body: dict | None = None) -> dict:
    """A request to the logged-in user's own Jupyter server (`path` under its api/, or lab/api/), from
    their page: their cookie, their xsrf token."""
    result = page.evaluate(
        """async ([method, url, body]) => {
            const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || "";
            const r = await fetch(url, {method, headers: {"X-XSRFToken": decodeURIComponent(xsrf),
                                  "Content-Type": "application/json"}, body: body ? JSON.stringify(body) : undefined});
            return {status: r.status, text: await r.text()};
        }""", [method, _server(page) + ("/" if path.startswith("lab/") else "/api/") + path, body])
    assert result["status"] < 300, f"{method} {path}: {result['status']} {result['text'][:500]}"
    return json.loads(result["text"]) if result["text"] else {}


def _terminal(page, command: str, seconds: float = 120) -> str:
    """File → New Launcher → Terminal: type `command`, return the terminal's text once pytest's summary
    line ("N passed in 1.2s") is on it."""
    page.locator(".lm-MenuBar-itemLabel", has_text="File").click()
    page.locator(".lm-Menu-itemLabel", has_text="New Launcher").click()
    page.locator(".jp-LauncherCard >> visible=true", has_text="Terminal").first.click()
    term = page.locator(".jp-Terminal >> visible=true").last
    term.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    term.click()
    page.keyboard.type(command + "\n", delay=5)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = term.text_content().replace("\xa0", " ")
        if re.search(r"\d+ (passed|failed)[^\n]* in [\d.]+s", text):
            return text
        page.wait_for_timeout(500)
    raise AssertionError(f"the terminal never showed pytest's summary:\n{term.text_content()[-2000:]}")


# --- the class --------------------------------------------------------------------------------


def _samples(h: hub.Hub) -> dict[str, Sample]:
    right, planted = h.learners
    return {right: Sample(right, "correct solution"),
            planted: Sample(planted, "a swapped W1 index; two wrong quiz answers", edits={
                "regression": SAMPLES["cy"].edits["regression"],
                "quiz": (change_answer("E06", lambda f: repr(f"-({f})")), change_answer("M02", lambda s: repr(s[::-1])))})}


def _filled(h: hub.Hub, learner: str, assignment: str) -> dict:
    """The learner's notebook: the released one with the sample's answers (the quiz: for their user name)."""
    released = h.exchange / "backprop" / "outbound" / assignment / f"{assignment}.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / f"{assignment}.ipynb"
        _samples(h)[learner].make(assignment, released, REPO / "source" / assignment / f"{assignment}.ipynb", dest)
        return json.loads(dest.read_text(encoding="utf-8"))


def test_a_class_on_jupyterhub(class_hub):
    from playwright.sync_api import sync_playwright

    h = class_hub
    T0[0] = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])

        logins = {user: _log_in(browser, h, user) for user in [h.instructor, *h.learners]}
        try:
            _the_class(h, logins)
        except BaseException:
            for user, page in logins.items():
                try:
                    _shot(page, f"failed-{user}")
                except Exception:  # a page that is gone: its screenshot is not the point
                    pass
            raise
        browser.close()


def _the_class(h: hub.Hub, logins: dict) -> None:
    right, planted = h.learners
    if True:
        teacher = _lab(logins[h.instructor], h, h.instructor)
        _phase("the instructor's JupyterLab")

        # The instructor: generate and release from the formgrader.
        assert teacher.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").count() == 1
        for a in ASSIGNMENTS:
            _modal(_click(_formgrader_row(teacher, h, a).locator("td.assign a")), f"generate {a}")
            row = _formgrader_row(teacher, h, a)
            text = _modal(_click(row.locator("td.release a")), f"release {a}")
            assert f"Successfully released '{a}'." in text
        row = _formgrader_row(teacher, h, "regression")
        assert "released" in row.locator("td.status").inner_text()
        _shot(teacher, "01-instructor-formgrader-released")
        _phase("released")

        # Each learner: log in, fetch both, fill, validate, check locally, submit.
        pages = {}
        for learner in h.learners:
            page = pages[learner] = _lab(logins[learner], h, learner)
            _assignment_list(page)
            released = page.locator("#released_assignments_list").inner_text()
            assert all(a in released for a in ASSIGNMENTS), released
            for a in ASSIGNMENTS:
                _click(page.locator("#released_assignments_list .list_item", has_text=a).locator("button", has_text="Fetch"))
                page.locator("#fetched_assignments_list a.assignment-notebooks-link", has_text=a).wait_for(timeout=60_000)
            _shot(page, f"02-{learner}-fetched")
            assert (hub.home(learner) / "regression" / "regression.ipynb").exists()
            for a in ASSIGNMENTS:
                _api(page, "PUT", f"contents/{a}/{a}.ipynb", {"type": "notebook", "format": "json",
                                                               "content": _filled(h, learner, a)})

        _phase("fetched and filled")

        # Validate (the Assignments list's button): the right notebook passes, the planted mistake is shown.
        validated = {}
        for learner, page in pages.items():
            _refresh(page)
            page.locator("#fetched_assignments_list a.assignment-notebooks-link", has_text="regression").click()
            _click(page.locator("#nbgrader-backprop-regression button", has_text="Validate"))
            dialog = page.locator(".jp-Dialog")
            dialog.wait_for(timeout=180_000)
            validated[learner] = dialog.inner_text()
            _shot(page, f"03-{learner}-validate")
            page.locator(".jp-Dialog .jp-mod-accept").first.click()
        assert "Success! Your notebook passes all the tests." in validated[right], validated[right][:2000]
        assert "The following cell failed" in validated[planted] and 'check_gradient("W1")' in validated[planted]
        assert "disagrees with finite differences" in validated[planted]
        _phase("validated")

        # The local check in a terminal: python -m pytest in the assignment folder.
        for learner, page in pages.items():
            text = _terminal(page, "cd ~/regression && python -m pytest -q -p no:cacheprovider 2>&1 | tail -4")
            _shot(page, f"04-{learner}-local-check")
            if learner == right:
                assert re.search(r"\d+ passed", text) and "failed" not in text, text[-1500:]
            else:
                assert re.search(r"1 failed, \d+ passed", text) and "∂L/∂W1 disagrees with finite differenc" in text, \
                    text[-1500:]
        _phase("local check")

        # The quiz: each learner's own numbers, with no id typed (JUPYTERHUB_USER).
        for learner, page in pages.items():
            page.goto(_server(page) + "/lab/tree/quiz/quiz.ipynb")
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
            _run_all(page)
            output = page.locator(".jp-OutputArea-output")
            output.filter(has_text=f"show the numbers of learner '{learner}'").first.wait_for(timeout=120_000)
            output.filter(has_text=f"{QUIZ[-1].id}: answer recorded").first.wait_for(timeout=240_000)
            text = page.locator(".jp-Notebook").inner_text()
            _shot(page, f"05-{learner}-quiz")
            assert "(your JupyterHub user name)" in text
            mine = banks.asked(banks.question("E07"), learner)
            other = banks.asked(banks.question("E07"), planted if learner == right else right)
            assert mine != other and mine in text and other not in text

        _phase("quiz numbers")

        # A learner's submission carrying a link to the gradebook and one to the course secret.
        for learner, page in pages.items():
            page.goto(_server(page) + "/lab")
            page.wait_for_selector(".jp-LabShell", timeout=60_000)
            _assignment_list(page)
            for a in ASSIGNMENTS:
                item = page.locator("#fetched_assignments_list .list_item", has_text=a).first
                _click(item.locator("button", has_text="Submit").first)
                page.locator("#submitted_assignments_list", has_text=a).wait_for(timeout=60_000)
            _shot(page, f"06-{learner}-submitted")
        submission = _plant_links(h, planted)

        _phase("submitted")

        # The instructor: collect, autograde each submission, generate and release feedback.
        for a in ASSIGNMENTS:
            collected = _modal(_click(_formgrader_row(teacher, h, a).locator("td.collect a")), f"collect {a}")
            if a == "regression":
                assert "Left out of" in collected and "a symbolic link" in collected, collected[-2000:]
        assert not (h.course / "submitted" / planted / "regression" / "gradebook.db").exists()
        assert not (h.course / "submitted" / planted / "regression" / "secret.txt").exists()
        assert (h.course / "submitted" / planted / "regression" / "regression.ipynb").exists()
        scores = {}
        for a in ASSIGNMENTS:
            teacher.goto(f"{h.url}/user/{h.instructor}/formgrader/manage_submissions/{a}")
            teacher.wait_for_selector("td.student-id", timeout=60_000)
            for learner in h.learners:
                row = teacher.locator("tr", has=teacher.locator("td.student-id", has_text=learner))
                _modal(_click(row.locator("td.autograde a")), f"autograde {learner} {a}")
            teacher.wait_for_timeout(1000)
            teacher.reload()
            teacher.wait_for_selector("td.score", timeout=60_000)
            for learner in h.learners:
                row = teacher.locator("tr", has=teacher.locator("td.student-id", has_text=learner))
                scores[learner, a] = row.locator("td.score").inner_text().strip()
            _shot(teacher, f"07-instructor-autograded-{a}")
            row = _formgrader_row(teacher, h, a)
            _modal(_click(row.locator("td.generate-feedback a")), f"generate feedback {a}")
            row = _formgrader_row(teacher, h, a)
            _modal(_click(row.locator("td.release-feedback a")), f"release feedback {a}")
        assert scores == {(right, "regression"): "10 / 10", (planted, "regression"): "8 / 10",
                          (right, "quiz"): f"{len(QUIZ)} / {len(QUIZ)}",
                          (planted, "quiz"): f"{len(QUIZ) - 2} / {len(QUIZ)}"}, scores

        _phase("graded and feedback released")

        # Each learner: fetch feedback, read their own diagnosis.
        feedback = {}
        for learner, page in pages.items():
            _refresh(page)
            for a in ASSIGNMENTS:
                item = page.locator("#submitted_assignments_list .list_item", has_text=a).first
                _click(item.locator("button", has_text="Fetch Feedback"))
                page.locator("#submitted_assignments_list a", has_text="view feedback").first.wait_for(timeout=60_000)
            _shot(page, f"08-{learner}-feedback-fetched")
            pages_of = {a: _api(page, "GET", f"contents/{a}/feedback")["content"] for a in ASSIGNMENTS}  # from Lab
            for a, folders in pages_of.items():  # (the feedback page is served sandboxed: no cookie there)
                assert len(folders) == 1, folders
                # the server's address, not the current page's: after the first, the page is a feedback file
                url = _server(page) + f"/files/{folders[0]['path']}/{a}.html"
                response = page.goto(url)
                assert response is not None and response.status == 200, (url, response and response.status)
                feedback[learner, a] = page.locator("body").inner_text()
                _shot(page, f"09-{learner}-feedback-{a}")
    _phase("feedback read")
    assert "This matches a known mistake: swapped W1 indices." in feedback[planted, "regression"]
    # the diagnosis's own words (the notebook's introduction mentions known mistakes to everyone)
    assert "This matches a known mistake:" not in feedback[right, "regression"]
    assert "M02: the shape is not right" in feedback[planted, "quiz"]
    assert "M02: the shape is not right" not in feedback[right, "quiz"]
    for text in feedback.values():
        assert "BEGIN HIDDEN TESTS" not in text
    assert (submission / "secret.txt").is_symlink()  # still planted: collect left it, it did not follow it


def _click(target):
    """Click once the element is there; return its page (the formgrader's modal follows on it)."""
    target.first.wait_for(timeout=60_000)
    target.first.click()
    return target.page


def _run_all(page, attempts: int = 4) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    first = page.locator(".jp-OutputArea-output").first
    for attempt in range(attempts):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            first.wait_for(timeout=30_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")


def _as(user: str, *cmd: str) -> subprocess.CompletedProcess:
    """`cmd` as `user`'s uid and groups only (as their terminal would run it)."""
    entry = pwd.getpwnam(user)
    return subprocess.run(list(cmd), user=entry.pw_uid, group=entry.pw_gid, extra_groups=[], capture_output=True,
                          text=True, cwd="/", env={"PATH": "/usr/bin:/bin", "HOME": entry.pw_dir})


def _plant_links(h: hub.Hub, learner: str) -> Path:
    """As `learner`'s uid, after submitting: a submission of their own making in the exchange's inbound
    folder (writable by every learner, as nbgrader makes it), later than the real one, holding their
    notebook and links to the gradebook and the course secret. nbgrader's own collect would copy the
    targets into submitted/ with the instructor's rights."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S.000000 UTC", time.gmtime(time.time() + 5))
    folder = h.exchange / "backprop" / "inbound" / f"{learner}+regression+{stamp}+planted"
    cache = hub.home(learner) / ".local" / "share" / "jupyter" / "nbgrader_cache" / "backprop"
    mine = sorted(p for p in cache.iterdir() if p.name.startswith(f"{learner}+regression+"))[-1]  # what submit kept
    for cmd in (("mkdir", str(folder)),
                ("cp", "-r", f"{mine}/.", str(folder)),  # their notebook, nbgrader's submission_secret.txt
                ("sh", "-c", f"printf '%s' '{stamp}' > '{folder}/timestamp.txt'"),  # as nbgrader submit writes it
                ("ln", "-s", str(h.course / "gradebook.db"), str(folder / "gradebook.db")),
                ("ln", "-s", str(h.course / ".backprop-secret"), str(folder / "secret.txt"))):
        done = _as(learner, *cmd)
        assert done.returncode == 0, (cmd, done.stderr)
    return folder


def test_learners_cannot_reach_what_is_not_theirs(class_hub):
    """After the class: each learner's uid is kept out of a classmate's home, the course directory, the
    gradebook and the course secret, and cannot list the exchange's inbound folder."""
    h = class_hub
    right, planted = h.learners
    secret = h.course / ".backprop-secret"
    gradebook = h.course / "gradebook.db"
    assert secret.exists() and gradebook.exists(), "the class above made both"
    for learner, classmate in ((right, planted), (planted, right)):
        assert _as(learner, "cat", str(hub.home(learner) / "regression" / "regression.ipynb")).returncode == 0
        for path in (hub.home(classmate) / "regression" / "regression.ipynb", hub.home(classmate), h.course,
                     h.course / "source" / "regression" / "regression.ipynb", gradebook, secret,
                     h.course / "submitted" / classmate / "regression" / "regression.ipynb"):
            for cmd in (("cat", str(path)), ("ls", str(path))):
                done = _as(learner, *cmd)
                assert done.returncode != 0 and "Permission denied" in done.stderr, (learner, cmd, done.stdout[:200])
        done = _as(learner, "ls", str(h.exchange / "backprop" / "inbound"))
        assert done.returncode != 0 and "Permission denied" in done.stderr, (learner, done.stdout[:200])
        done = _as(learner, "python3", "-c", f"open({str(gradebook)!r}, 'rb')")
        assert done.returncode != 0 and "PermissionError" in done.stderr, (learner, done.stderr[-500:])
    assert oct(os.stat(h.course).st_mode & 0o777) == "0o700"
    assert oct(os.stat(secret).st_mode & 0o777) == "0o600"
    assert os.stat(secret).st_uid == pwd.getpwnam(h.instructor).pw_uid


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-x", "-q"]))
