"""JupyterHub configuration of a backprop class on one machine (see docs/hub.md).

Every learner and the instructor is a local Unix account (their own uid, home mode 0700); the hub runs
as root and starts each one's JupyterLab as that user (LocalProcessSpawner). Each role gets its own
Jupyter configuration folder (JUPYTER_CONFIG_PATH), written by `backprop-course hub`:

- the instructor: nbgrader's formgrader, course list and create-assignment; the course directory
  (~instructor/backprop, mode 0700: source/, gradebook.db, the course secret) is the formgrader's;
- a learner: the Assignments list (fetch, submit, fetch feedback) and Validate only.

`backprop-course hub --learners N` provisions the accounts and the role folders, writes the settings
this file reads (BACKPROP_HUB_SETTINGS, a JSON file) and starts `jupyterhub -f` this file. To start
from it by hand, write that JSON yourself (the keys are read below) or edit the values here.
"""

import json
import os
from pathlib import Path

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

settings = json.loads(Path(os.environ["BACKPROP_HUB_SETTINGS"]).read_text())
state = Path(settings["state"])  # roles/ (each role's Jupyter configuration, readable) and private/ (root's only)
private = state / "private"  # the hub's database, cookie secret and pid files: mode 0700
instructor = settings["instructor"]
learners = settings["learners"]

c.JupyterHub.bind_url = f"http://{settings.get('ip', '127.0.0.1')}:{settings['port']}"
c.JupyterHub.hub_port = settings["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.pid_file = str(private / "proxy.pid")
# The Python configurable-http-proxy gives up on a request after tornado's default 20 s: the spawn page's
# progress stream and the formgrader's autograde of a notebook (one request until it is graded) take longer.
c.ConfigurableHTTPProxy.command = [settings["proxy_command"], "--proxy-timeout", "900000"]
c.JupyterHub.db_url = f"sqlite:///{private / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(private / "cookie_secret")
c.JupyterHub.pid_file = str(private / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server too

# Who may log in. A trial uses one shared password (DummyAuthenticator); a real class uses the
# accounts' own passwords: c.JupyterHub.authenticator_class = "pam" (the default), nothing else to change.
c.JupyterHub.authenticator_class = settings.get("authenticator", "dummy")
if settings.get("password"):
    c.DummyAuthenticator.password = settings["password"]
c.Authenticator.allowed_users = {instructor, *learners}
c.Authenticator.admin_users = {instructor}

# Each user's own JupyterLab, as that Unix user, from the course's environment.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [settings["python"], "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "PATH": f"{Path(settings['python']).parent}:/usr/local/bin:/usr/bin:/bin",  # `python -m pytest` in a terminal
    "MPLBACKEND": "Agg",
}
if settings.get("pythonpath"):  # packages that must shadow the course environment's (autograder/tools/hub.py: OVERRIDES)
    c.Spawner.environment["PYTHONPATH"] = settings["pythonpath"]


def per_role(spawner) -> None:
    """The role's Jupyter configuration: which nbgrader extensions, which course, which exchange."""
    role = "instructor" if spawner.user.name == instructor else "learner"
    spawner.environment["JUPYTER_CONFIG_PATH"] = str(state / "roles" / role)
    if role == "learner" and settings.get("learner_python"):  # an environment without the grader's package
        spawner.cmd = [settings["learner_python"], "-m", "jupyterhub.singleuser"]
        spawner.environment["PATH"] = f"{Path(settings['learner_python']).parent}:/usr/local/bin:/usr/bin:/bin"


c.Spawner.pre_spawn_hook = per_role
