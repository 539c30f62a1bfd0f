"""A class on one machine: JupyterHub, local Unix accounts, nbgrader's exchange (`backprop-course hub`).

The instructor and every learner get a Unix account of their own (`useradd`, home mode 0700), so the
kernel's permission checks are what keep a learner out of a classmate's home, the course directory,
the gradebook and the course secret: nothing here relies on a learner not knowing a path. The hub
(run as root, as JupyterHub's local-process spawner needs) starts each one's JupyterLab as that uid
with the role's Jupyter configuration (`hub/jupyterhub_config.py`):

- the course directory is ~instructor/backprop (mode 0700, the instructor's): source/, the gradebook,
  the course secret, submitted/ and autograded/; the instructor's formgrader works in it, and its
  autograde goes through the course's nbgrader_config.py, so learner code runs in the sandbox;
- the exchange (<state>/exchange, root's, mode 1777) is nbgrader's: release_assignment makes the
  course's outbound folder (0755), inbound (0733: learners may write, not list) and feedback (0711);
- learners see the Assignments list and Validate, the instructor the formgrader and course list.

Accounts, course and exchange are recorded in <state>/private/hub.json, so `--remove` deletes exactly
what was created (the accounts with their homes, the state folder), nothing found by name.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.tools.course import COURSE_ID, REPO, StepFailed

CONFIG = REPO / "hub" / "jupyterhub_config.py"
DEFAULT_STATE = Path("/srv/backprop-hub")
BIN = Path(sys.executable).parent

# nbgrader's lab plugins and server extensions, per role (a learner never loads the formgrader).
LAB_PLUGINS = ("formgrader", "course-list", "create-assignment", "assignment-list", "validate-assignment")
ROLE_PLUGINS = {"instructor": {"formgrader", "course-list", "create-assignment", "validate-assignment"},
                "learner": {"assignment-list", "validate-assignment"}}
SERVER_EXTENSIONS = {"formgrader": "formgrader", "course-list": "course_list", "assignment-list": "assignment_list",
                     "validate-assignment": "validate_assignment"}


@dataclass
class Hub:
    """One provisioned class: who, where, which ports (saved as <state>/private/hub.json)."""

    state: Path
    instructor: str
    learners: list[str]
    password: str
    port: int = 8000
    hub_port: int = 0
    proxy_api_port: int = 0
    created: list[str] = field(default_factory=list)  # accounts this class created (and `remove` deletes)
    learner_python: str = ""  # learners' interpreter, when not the course environment's (one without `autograder`)

    @property
    def private(self) -> Path:
        return self.state / "private"

    @property
    def exchange(self) -> Path:
        return self.state / "exchange"

    @property
    def course(self) -> Path:
        return home(self.instructor) / COURSE_ID

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def save(self) -> None:
        data = {**asdict(self), "state": str(self.state)}
        _write(self.private / "hub.json", json.dumps(data, indent=1), 0o600)

    @classmethod
    def load(cls, state: Path) -> Hub:
        data = json.loads((Path(state) / "private" / "hub.json").read_text())
        return cls(**{**data, "state": Path(data["state"])})

    def settings(self) -> dict:
        """What hub/jupyterhub_config.py reads."""
        proxy = BIN / "configurable-http-proxy"
        return {"state": str(self.state), "instructor": self.instructor, "learners": self.learners,
                "password": self.password, "port": self.port, "hub_port": self.hub_port,
                "proxy_api_port": self.proxy_api_port, "python": str(users_python(self.state)),
                "learner_python": self.learner_python,
                "pythonpath": str(self.state / "python" / "overrides") if (self.state / "python" / "overrides").is_dir() else "",
                "proxy_command": str(proxy if proxy.exists() else shutil.which("configurable-http-proxy") or proxy)}


def home(user: str) -> Path:
    return Path(pwd.getpwnam(user).pw_dir)


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)


def _reachable_by_all(path: Path) -> bool:
    """Whether every user can run `path`: each folder on the way searchable by others, the file executable."""
    real = path.resolve()
    folders = [p for p in real.parents]
    return all(os.stat(p).st_mode & 0o001 for p in folders) and bool(os.stat(real).st_mode & 0o001)


def users_python(state: Path) -> Path:
    """An interpreter every account can run, with the course environment's packages.

    The course environment's own interpreter may sit where no other user can reach it (pyenv under
    /root, mode 0700: the case on this project's machines and CI). Then a virtual environment of the
    system's Python (same minor version) is made in <state>/python whose site-packages is a link to the
    course environment's: the same packages, no second install. The sandbox mounts the link's target
    (`jail._ro_binds` resolves it), so grading from the formgrader finds numpy there too."""
    here = Path(sys.executable)
    if _reachable_by_all(here):
        return here
    bridge = Path(state) / "python"
    python = bridge / "bin" / "python"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(version, path="/usr/bin:/usr/local/bin:/bin")
    if system is None or not _reachable_by_all(Path(system)):
        raise StepFailed(f"{here} cannot be run by other users and there is no system {version} to use instead: "
                         "install the course environment with a Python every user can run")
    site = bridge / "lib" / version / "site-packages"
    if not site.is_symlink():
        subprocess.run([system, "-m", "venv", "--without-pip", str(bridge)], check=True)
        shutil.rmtree(site)
        site.symlink_to(sysconfig.get_paths()["purelib"])
        for shared in ("etc", "share"):  # Jupyter's <prefix>/etc/jupyter (extensions on) and share/jupyter (lab)
            if (Path(sys.prefix) / shared).is_dir() and not (bridge / shared).exists():
                (bridge / shared).symlink_to(Path(sys.prefix) / shared)
        _scripts(bridge / "bin", python)
    overrides = bridge / "overrides"
    if platform_version(system) != sys.version.split()[0] and not overrides.exists():
        # The system's Python is an older patch release: its `re` mishandles the possessive quantifiers of
        # soupsieve >= 2.6 ("Invalid character" on any selector: nbconvert's HTML export, so feedback
        # fails). An older soupsieve goes first on its path (PYTHONPATH, set by hub/jupyterhub_config.py).
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(overrides),
                        *OVERRIDES], check=True, stdout=subprocess.DEVNULL)
    return python


OVERRIDES = ("soupsieve<2.6",)


def platform_version(python: str) -> str:
    return subprocess.run([python, "-c", "import platform; print(platform.python_version())"], capture_output=True,
                          text=True, check=True).stdout.strip()


def _scripts(bin_dir: Path, python: Path) -> None:
    """The course environment's commands (jupyter, nbgrader, pytest, alembic: nbgrader runs it to open a
    gradebook) for `python`: the same scripts with `python` on their first line."""
    for script in BIN.iterdir():
        target = bin_dir / script.name
        if target.exists() or not script.is_file() or script.is_symlink():
            continue
        try:
            first, rest = script.read_text(encoding="utf-8").split("\n", 1)
        except (UnicodeDecodeError, ValueError):
            continue
        if first.startswith("#!") and "python" in first:
            target.write_text(f"#!{python}\n{rest}", encoding="utf-8")
            target.chmod(0o755)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _require_root() -> None:
    if os.geteuid() != 0:
        raise StepFailed("backprop-course hub creates Unix accounts and starts JupyterHub's local-process spawner: "
                         "run it as root (sudo)")
    missing = [exe for exe in ("useradd", "userdel") if not shutil.which(exe)]
    if missing or not (BIN / "jupyterhub").exists() or not (BIN / "configurable-http-proxy").exists():
        raise StepFailed(f"missing {', '.join(missing) or 'jupyterhub'}: pip install 'backprop-course[hub]' "
                         "(and the passwd package for useradd)")


def _account(name: str) -> bool:
    """The Unix account `name`, created if it does not exist (home 0700); whether it was created here."""
    try:
        pwd.getpwnam(name)
        created = False
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--user-group", "--shell", "/bin/bash", name], check=True)
        created = True
    os.chmod(home(name), 0o700)
    return created


def _chown_tree(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for here, dirs, files in os.walk(path):
        for name in [here, *(os.path.join(here, n) for n in dirs + files)]:
            os.lchown(name, entry.pw_uid, entry.pw_gid)


def _role_config(hub: Hub, role: str) -> None:
    """<state>/roles/<role>: nbgrader's extensions on or off, the course id and exchange (readable by all:
    it names folders, it opens none)."""
    folder = hub.state / "roles" / role
    wanted = ROLE_PLUGINS[role]
    _write(folder / "labconfig" / "page_config.json", json.dumps(
        {"disabledExtensions": {f"@jupyter/nbgrader:{p}": p not in wanted for p in LAB_PLUGINS}}, indent=1))
    _write(folder / "jupyter_server_config.json", json.dumps(
        {"ServerApp": {"jpserver_extensions": {f"nbgrader.server_extensions.{ext}": plugin in wanted
                                               for plugin, ext in SERVER_EXTENSIONS.items()},
                       # not a login shell (Jupyter's default): /etc/profile would reset PATH, and `python -m
                       # pytest` in a terminal would not find the course's Python
                       "terminado_settings": {"shell_command": ["/bin/bash"]}}}, indent=1))
    lines = ["c = get_config()  # noqa: F821", f"c.CourseDirectory.course_id = {COURSE_ID!r}",
             f"c.Exchange.root = {str(hub.exchange)!r}"]
    if role == "instructor":  # the formgrader works in the course directory, with the course's configuration
        lines.append(f"load_subconfig({str(hub.course / 'nbgrader_config.py')!r})  # noqa: F821")
    _write(folder / "nbgrader_config.py", "\n".join(lines) + "\n")


def _course(hub: Hub, repo: Path) -> None:
    """~instructor/backprop: the course's source/ and a configuration that loads the repository's (the
    sandboxed autograde, the safe collect), owned by the instructor, mode 0700."""
    course = hub.course
    if not course.exists():
        course.mkdir(mode=0o700)
        shutil.copytree(repo / "source", course / "source")
        _write(course / "nbgrader_config.py",
               "c = get_config()  # noqa: F821\n"
               f"load_subconfig({str(repo / 'nbgrader_config.py')!r})  # noqa: F821  (sandbox, safe collect)\n"
               f"c.CourseDirectory.root = {str(course)!r}\n"
               f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
               f"c.Exchange.root = {str(hub.exchange)!r}\n", 0o600)
        _chown_tree(course, hub.instructor)
    os.chmod(course, 0o700)


def provision(state: Path = DEFAULT_STATE, learners: int = 3, prefix: str = "bp-", password: str | None = None,
              port: int = 8000, repo: Path = REPO, learner_python: str = "") -> Hub:
    """The accounts (<prefix>instructor, <prefix>learner1..N), the course directory, the exchange and the
    role configurations: everything the hub needs, recorded for `remove`."""
    _require_root()
    state = Path(state).resolve()
    try:
        old = Hub.load(state)
    except FileNotFoundError:
        old = None
    hub = Hub(state=state, instructor=f"{prefix}instructor", learners=[f"{prefix}learner{i}" for i in range(1, learners + 1)],
              password=password or (old.password if old else secrets.token_urlsafe(9)), port=port,
              hub_port=free_port(), proxy_api_port=free_port(), created=list(old.created) if old else [],
              learner_python=learner_python)
    state.mkdir(parents=True, exist_ok=True)
    os.chmod(state, 0o755)
    hub.private.mkdir(mode=0o700, exist_ok=True)
    os.chmod(hub.private, 0o700)
    for name in [hub.instructor, *hub.learners]:
        if _account(name) and name not in hub.created:
            hub.created.append(name)
    hub.save()
    hub.exchange.mkdir(exist_ok=True)
    os.chmod(hub.exchange, 0o1777)  # as nbgrader asks (world-writable), sticky: nobody removes another's folder
    _course(hub, repo)
    for role in ROLE_PLUGINS:
        _role_config(hub, role)
    return hub


def start(hub: Hub, log: Path | None = None) -> subprocess.Popen:
    """`jupyterhub -f hub/jupyterhub_config.py`, as root, in its own process group; returns once the hub
    answers (or raises StepFailed with the end of its log)."""
    settings = hub.private / "settings.json"
    _write(settings, json.dumps(hub.settings(), indent=1), 0o600)
    log = log or hub.private / "jupyterhub.log"
    env = {**os.environ, "BACKPROP_HUB_SETTINGS": str(settings), "PATH": f"{BIN}:{os.environ.get('PATH', '')}"}
    with open(log, "ab") as out:
        proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(CONFIG)], cwd=hub.private, env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StepFailed(f"JupyterHub exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            urllib.request.urlopen(f"{hub.url}/hub/api", timeout=2)
            return proc
        except OSError:
            time.sleep(0.5)
    stop(proc)
    raise StepFailed(f"JupyterHub did not answer within 90 s:\n{log.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    """The hub stops the learners' servers and its proxy on SIGTERM (cleanup_servers); what is left of
    its process group after 30 s is killed."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _processes_of(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def remove(state: Path = DEFAULT_STATE) -> list[str]:
    """Delete the accounts this class created (their processes ended first: servers, kernels, terminals
    the hub started as them), their homes with the course directory, and the state folder."""
    _require_root()
    try:
        hub = Hub.load(state)
    except FileNotFoundError:
        raise StepFailed(f"{state} holds no class made by `backprop-course hub` (no private/hub.json)") from None
    for name in hub.created:
        try:
            uid = pwd.getpwnam(name).pw_uid
        except KeyError:
            continue
        for _ in range(3):
            pids = _processes_of(uid)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.5)
        subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)
    shutil.rmtree(hub.state, ignore_errors=True)
    return hub.created


def serve(state: Path, learners: int, prefix: str, password: str | None, port: int, say=print,
          learner_python: str = "") -> int:
    """`backprop-course hub`: provision, start, say how to log in, run until Ctrl-C."""
    hub = provision(state, learners, prefix, password, port, learner_python=learner_python)
    proc = start(hub)
    say(f"JupyterHub is up: {hub.url}  (log: {hub.private / 'jupyterhub.log'})\n"
        f"  instructor: {hub.instructor}  (formgrader; course directory {hub.course})\n"
        f"  learners:   {', '.join(hub.learners)}\n"
        f"  password:   {hub.password}  (every account, this trial only)\n"
        f"  exchange:   {hub.exchange}\n"
        f"Ctrl-C stops the hub; `backprop-course hub --remove --state {hub.state}` deletes the accounts.")
    if not learner_python and os.stat(REPO / "source").st_mode & 0o004 and _reachable_by_all(REPO / "source" / "regression"):
        say(f"Note: {REPO / 'source'} (the solutions) can be read by every account here; for a class, give "
            "learners an environment outside this clone (docs/hub.md, 'learners' environment').")
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        while proc.poll() is None and not stopping:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop(proc)
    return 0 if stopping or proc.returncode in (0, -signal.SIGTERM, None) else 1
