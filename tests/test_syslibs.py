"""`make run` and `make test` install the Debian packages they need, or say the one command to
run (scripts/syslibs.py): tried here with the package checks and the installer stood in for."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "syslibs.py"


@pytest.fixture
def syslibs(monkeypatch):
    spec = importlib.util.spec_from_file_location("syslibs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "syslibs", module)  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def _missing(syslibs, monkeypatch, *packages):
    needs = [syslibs.Need(n.package, n.why, (lambda p=n.package: p not in packages)) for n in syslibs.TEST]
    monkeypatch.setitem(syslibs.NEEDS, "test", needs)


def test_nothing_missing_installs_nothing(syslibs, monkeypatch, capsys):
    # Arrange
    _missing(syslibs, monkeypatch)
    monkeypatch.setattr(syslibs, "_installer", lambda: pytest.fail("no installer is needed"))

    # Act / Assert
    assert syslibs.main("test") == 0
    assert capsys.readouterr().out == ""


def test_without_root_or_sudo_it_prints_the_one_command_and_stops(syslibs, monkeypatch, capsys):
    # Arrange
    _missing(syslibs, monkeypatch, "chromium", "poppler-utils")
    monkeypatch.setattr(syslibs, "_installer", lambda: None)

    # Act
    status = syslibs.main("test")

    # Assert
    out = capsys.readouterr().out
    assert status == 1
    assert "sudo apt-get install -y chromium poppler-utils" in out
    assert "Missing chromium: the browser tests drive Debian's Chromium." in out


def test_as_root_it_installs_with_apt_get(syslibs, monkeypatch):
    # Arrange: the packages appear once apt-get has run.
    installed: set[str] = set()
    needs = [
        syslibs.Need(n.package, n.why, (lambda p=n.package: p != "chromium" or p in installed)) for n in syslibs.TEST
    ]
    monkeypatch.setitem(syslibs.NEEDS, "test", needs)
    monkeypatch.setattr(syslibs, "_installer", lambda: [])
    calls = []

    class Done:
        returncode = 0

    def run(command, **kwargs):
        calls.append(command)
        if "install" in command:
            installed.add("chromium")
        return Done()

    monkeypatch.setattr(syslibs.subprocess, "run", run)

    # Act
    status = syslibs.main("test")

    # Assert
    assert status == 0
    assert [c[-1] for c in calls] == ["update", "chromium"]
    assert calls[1][:1] == ["apt-get"]


def test_make_run_needs_no_browser(syslibs):
    # Assert: the demo needs the PDF libraries only.
    assert {n.package for n in syslibs.RUN} == {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"}
    assert {"chromium", "poppler-utils"} <= {n.package for n in syslibs.TEST}
