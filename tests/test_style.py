"""The code base stays `ruff check` clean (configuration in pyproject.toml)."""

import subprocess
import sys

from tests.conftest import REPO


def test_ruff_check_is_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", str(REPO)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
