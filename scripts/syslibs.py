"""The system packages `make run` and `make test` need, installed when this machine lets us.

    python3 scripts/syslibs.py run    # Pango for WeasyPrint, harfbuzz-subset for fast PDFs
    python3 scripts/syslibs.py test   # the same, plus Chromium and poppler for the test suite

Debian's packages, found by the file or library each one provides. What is missing is installed
with apt-get when we run as root or have password-less sudo (as in CI); otherwise this prints the
one command to run and exits 1. Only the standard library: it runs before the virtualenv exists.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Need:
    package: str  # Debian's name
    why: str
    present: Callable[[], bool]


def _library(name: str) -> Callable[[], bool]:
    return lambda: ctypes.util.find_library(name) is not None


def _file(path: str) -> Callable[[], bool]:
    return lambda: os.path.exists(path)


RUN = [
    Need("libpango-1.0-0", "WeasyPrint lays out the PDFs with Pango", _library("pango-1.0")),
    Need("libpangoft2-1.0-0", "WeasyPrint's fonts", _library("pangoft2-1.0")),
    Need("libharfbuzz-subset0", "PDFs about 6x faster (font subsetting)", _library("harfbuzz-subset")),
]
TEST = [
    *RUN,
    Need("chromium", "the browser tests drive Debian's Chromium", _file("/usr/bin/chromium")),
    Need("poppler-utils", "the PDF tests read pages back with pdftoppm", lambda: shutil.which("pdftoppm") is not None),
]
NEEDS = {"run": RUN, "test": TEST}


def _installer() -> list[str] | None:
    """The command prefix that may install packages here without asking, or None."""
    if shutil.which("apt-get") is None:
        return None
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:  # noqa: S603, S607
        return ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive"]
    return None


def main(purpose: str) -> int:
    missing = [need for need in NEEDS[purpose] if not need.present()]
    if not missing:
        return 0
    packages = [need.package for need in missing]
    for need in missing:
        print(f"Missing {need.package}: {need.why}.")
    prefix = _installer()
    if prefix is None:
        print(f"Install them, then run this again: sudo apt-get install -y {' '.join(packages)}")
        return 1
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = [*prefix, "apt-get", "-o", "DPkg::Lock::Timeout=600", "-q"]
    print(f"Installing {' '.join(packages)} with apt-get.")
    steps = [[*apt, "update"], [*apt, "install", "-y", *packages]]
    for step in steps:
        if subprocess.run(step, env=env, stdin=subprocess.DEVNULL).returncode != 0:  # noqa: S603
            print(f"apt-get failed: install them by hand: sudo apt-get install -y {' '.join(packages)}")
            return 1
    still = [need.package for need in missing if not need.present()]
    if still:
        print(f"Still missing after apt-get: {' '.join(still)}")
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in NEEDS:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(NEEDS)}")
    sys.exit(main(sys.argv[1]))
