"""What the build and the tests need on the machine: the project's virtualenv and Chromium."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv

from buildtools.paths import ROOT, VENV

REQUIREMENTS = ROOT / "requirements.txt"
CHROMIUM = "/usr/bin/chromium"


class SetupError(RuntimeError):
    """Something the build needs is missing and cannot be installed from here."""


def python() -> str:
    return str(VENV / "bin" / "python")


def ensure_venv(log=print) -> None:
    """Create .venv and install requirements.txt into it, again only when that file changes."""
    stamp = VENV / ".requirements.sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if not (VENV / "bin" / "python").exists():
        log(f"creating the virtualenv {VENV}")
        venv.create(VENV, with_pip=True)
    log("installing requirements.txt into .venv")
    subprocess.run([python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(wanted)


def ensure_tools(log=print) -> None:
    """npm packs the pinned runtime; without it nothing can be fetched."""
    if shutil.which("npm") is None:
        raise SetupError("npm is needed to fetch the pinned runtime: install Node.js and npm "
                         "(Debian: apt-get install nodejs npm)")


def ensure_chromium(log=print) -> str:
    """Debian's Chromium for the browser tests; installed with apt-get when we are root."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    if os.geteuid() != 0:
        raise SetupError(f"the browser tests need Debian's Chromium at {CHROMIUM}: "
                         "run `sudo apt-get install chromium`, then try again")
    log("installing Debian's chromium with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return CHROMIUM


def fail(error: Exception) -> None:
    print(f"build.py: {error}", file=sys.stderr)
    raise SystemExit(1)
