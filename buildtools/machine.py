"""What the build and the tests need on the machine: the project's virtualenv, Chromium, and
Firefox and WebKit with their drivers (tests/engines)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv

from buildtools.paths import ROOT, VENV

REQUIREMENTS = ROOT / "requirements.txt"
#: The `peel[ray]` extra (`peel bulk`), installed after requirements.txt: its tests run on Ray.
REQUIREMENTS_RAY = ROOT / "requirements-ray.txt"
CHROMIUM = "/usr/bin/chromium"
ENGINES = ROOT / "tests" / "engines"
#: Debian packages of the Firefox and WebKit tests: path that shows it is installed -> package.
ENGINE_PACKAGES = {
    "/usr/bin/firefox-esr": "firefox-esr",
    "/usr/bin/WebKitWebDriver": "webkit2gtk-driver",
    "/usr/bin/xvfb-run": "xvfb",
    "/usr/bin/xauth": "xauth",
}


class SetupError(RuntimeError):
    """Something the build needs is missing and cannot be installed from here."""


def python() -> str:
    return str(VENV / "bin" / "python")


def ensure_venv(log=print) -> None:
    """Create .venv and install requirements.txt, then requirements-ray.txt, into it; each again
    only when that file changes (its own hash stamp)."""
    for requirements, stamp_name in ((REQUIREMENTS, ".requirements.sha256"),
                                     (REQUIREMENTS_RAY, ".requirements-ray.sha256")):
        stamp = VENV / stamp_name
        wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
        if stamp.exists() and stamp.read_text() == wanted:
            continue
        if not (VENV / "bin" / "python").exists():
            log(f"creating the virtualenv {VENV}")
            venv.create(VENV, with_pip=True)
        log(f"installing {requirements.name} into .venv")
        # requirements.txt constrains both, so Ray's dependencies cannot move the pinned numpy.
        subprocess.run([python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-r", str(requirements), "-c", str(REQUIREMENTS)], check=True)
        stamp.write_text(wanted)


def ensure_tools(log=print) -> None:
    """npm packs the pinned runtime; without it nothing can be fetched."""
    if shutil.which("npm") is None:
        raise SetupError("npm is needed to fetch the pinned runtime: install Node.js and npm "
                         "(Debian: apt-get install nodejs npm)")


def ensure_chromium(log=print) -> str:
    """Debian's Chromium for the browser tests; installed with apt-get when we are root."""
    if not os.access(CHROMIUM, os.X_OK):
        apt_install(["chromium"], "the browser tests", log)
    return CHROMIUM


def ensure_engines(log=print) -> None:
    """Firefox ESR, WebKitGTK's WebDriver (+ Xvfb) from apt, and the pinned puppeteer-core."""
    missing = [package for path, package in ENGINE_PACKAGES.items() if not os.access(path, os.X_OK)]
    if missing:
        apt_install(missing, "the Firefox and WebKit tests", log)
    lock = ENGINES / "package-lock.json"
    stamp = ENGINES / "node_modules" / ".lock.sha256"
    wanted = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    log("installing tests/engines/package-lock.json (puppeteer-core) with npm ci")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                   cwd=ENGINES, check=True)
    stamp.write_text(wanted)


def apt_install(packages: list[str], needed_by: str, log=print) -> None:
    """Install Debian `packages` with apt-get (root only), retrying while another apt holds the lock."""
    if os.geteuid() != 0:
        raise SetupError(f"{needed_by} need Debian's {' '.join(packages)}: run "
                         f"`sudo apt-get install {' '.join(packages)}`, then try again")
    log(f"installing Debian's {' '.join(packages)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for attempt in range(40):
        update = subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, text=True)
        install = update.returncode == 0 and subprocess.run(
            ["apt-get", "install", "-y", "-qq", *packages], env=env, capture_output=True, text=True)
        if install and install.returncode == 0:
            return
        output = (install or update).stderr
        if "lock" not in output or attempt == 39:
            raise SetupError(f"apt-get could not install {' '.join(packages)}: {output.strip()[-500:]}")
        time.sleep(15)  # another apt-get is running


def fail(error: Exception) -> None:
    print(f"build.py: {error}", file=sys.stderr)
    raise SystemExit(1)
