#!/usr/bin/env bash
# A fresh machine, ready for the tests: Debian's chromium (for the JupyterLab browser test),
# bubblewrap (the sandbox learner code runs in)
# and a virtual environment with the project and its dev extras.
set -euo pipefail
cd "$(dirname "$0")/.."
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v bwrap >/dev/null 2>&1 || need="$need bubblewrap"
if [ -n "$need" ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install -q -e '.[dev]'
