"""A learner's session in JupyterLab, in a real browser (Debian chromium driven by Playwright):
open the release notebook, fill it in, Run All, and read the visible checks on the page."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from autograder.assignments.quiz import banks
from autograder.instruments.samples import SAMPLES
from tests.conftest import REPO

pytestmark = pytest.mark.slow  # real nbgrader runs, kernels or a browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path, assignment: str, env_extra: dict[str, str]):
    """JupyterLab serving a copy of release/<assignment> with the correct solution filled in."""
    folder = tmp_path / assignment
    shutil.copytree(REPO / "release" / assignment, folder)
    nb = folder / f"{assignment}.ipynb"
    SAMPLES["ada"].make(assignment, nb, REPO / "source" / assignment / f"{assignment}.ipynb", nb)
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))  # render every cell
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws"),
           **env_extra}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={folder}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/lab", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def lab(tmp_path):
    yield from _serve(tmp_path, "regression", {})


@pytest.fixture
def quiz_lab(tmp_path):
    """The quiz on a JupyterHub-like server: the kernel sees JUPYTERHUB_USER, as a hub's single-user
    server sets it."""
    yield from _serve(tmp_path, "quiz", {"JUPYTERHUB_USER": "zoe"})


def _answer_dialogs(page) -> None:
    """JupyterLab sometimes opens a dialog first (seen on CI: one that blocks every click, such as
    the kernel picker when the kernel is slow to start); a learner answers it with its default button."""
    dialog = page.locator(".jp-Dialog")
    for _ in range(3):
        if not dialog.count():
            return
        print("JupyterLab dialog:", dialog.first.inner_text()[:300].replace("\n", " | "))
        page.locator(".jp-Dialog .jp-mod-accept").first.click()
        page.wait_for_timeout(500)


def _click(page, target, seconds: float = 120) -> None:
    """Click as a learner would: answering first any dialog JupyterLab put in the way, again if
    another one opens (seen on CI: the kernel picker, twice, while the kernel was slow to start)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + seconds
    while True:
        _answer_dialogs(page)
        try:
            target.click(timeout=5_000)
            return
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise


def _run_all(page, first_output, attempts: int = 6) -> None:
    """Run → Run All Cells, as a learner would. On a loaded machine the first click can land
    before the kernel is connected and run nothing: then the learner clicks again (after 30 s:
    waiting 90 s each time cost CI three minutes when it happened)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        _click(page, page.locator(".lm-MenuBar-itemLabel", has_text="Run").first)
        _click(page, page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first)
        try:
            first_output.wait_for(timeout=30_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")


def test_learner_runs_the_release_notebook_in_jupyterlab(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is needed: see tests/setup-dev.sh"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{lab}/lab/tree/regression.ipynb")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
        output = page.locator(".jp-OutputArea-output")  # outputs only: the same words are in the code
        _run_all(page, output.filter(has_text="forward: ŷ = 0.32").first)
        output.filter(has_text="train: the loop visits the rows in order").first.wait_for(timeout=120_000)
        # the last code cell (the learner's loss curve) finishes after the checks: wait for it too
        output.filter(has_text="the lecture's run, exactly.").first.wait_for(timeout=120_000)
        page.locator(".jp-OutputArea-output img").first.wait_for(timeout=60_000)
        page.screenshot(path=str(tmp_path / "jupyterlab.png"), full_page=True)
        text = page.locator(".jp-Notebook").inner_text()
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
        plots = page.locator(".jp-OutputArea-output img").count()
        browser.close()
    for line in ("forward: ŷ = 0.32 and h = [1.6, 1.6]", "∂L/∂W2: matches the lecture example",
                 "∂L/∂W1: matches the lecture example", "update: one step on a small example is right",
                 "the lecture's run, exactly."):
        assert line in text
    assert errors == 0 and "Traceback" not in text
    assert plots == 1  # the learner's loss curve


def test_the_quiz_shows_the_learners_own_numbers_in_jupyterlab(quiz_lab, tmp_path):
    """One release notebook for all: on JupyterHub the user name picks the numbers, with no id typed."""
    from playwright.sync_api import sync_playwright

    asked = banks.asked(banks.question("E07"), "zoe")
    assert asked != banks.asked(banks.question("E07"), "ada")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{quiz_lab}/lab/tree/quiz.ipynb")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
        output = page.locator(".jp-OutputArea-output")
        _run_all(page, output.filter(has_text="show the numbers of learner 'zoe'").first)
        output.filter(has_text="M24: answer recorded").first.wait_for(timeout=120_000)
        page.screenshot(path=str(tmp_path / "quiz.png"), full_page=True)
        text = page.locator(".jp-Notebook").inner_text()
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
        browser.close()
    assert "(your JupyterHub user name)" in text
    assert asked in text  # the question with zoe's numbers, rendered as Markdown under its title
    assert errors == 0 and "Traceback" not in text
