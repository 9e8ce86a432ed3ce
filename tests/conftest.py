"""Shared fixtures: the project root, loaded pack data, and one real build of every pack."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, NoReturn

import pytest

from reviewpack.analysis.sections import Pack
from reviewpack.cli import main

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def borough() -> Pack:
    """The borough pack's data, loaded from the real files with the default parameters."""
    return Pack.open("borough", ROOT)


@pytest.fixture(scope="session")
def north() -> Pack:
    return Pack.open("north", ROOT)


@pytest.fixture(scope="session")
def built_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build every default pack once, as `reviewpack build` does, into a temporary folder."""
    out = tmp_path_factory.mktemp("reports") / "latest"
    code = main(["--project", str(ROOT), "build", "--out", str(out), "--no-cache"])
    assert code == 0, "the default build failed"
    return out


@pytest.fixture()
def project_copy(tmp_path: Path) -> Path:
    """A throw-away copy of the project's params/, data/ and notebooks/ (for tests that break things)."""
    for part in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def on_ci() -> bool:
    """``CI=true`` (GitHub Actions, GitLab and most CI services set it; .ci/run runs under it)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


#: why browser tests were skipped in this session (printed again, loudly, at the end of the run)
BROWSER_SKIPS: list[str] = []


def browser_missing(reason: str) -> NoReturn:
    """A browser test cannot run because Chromium (or playwright, axe-core, pdftoppm) is missing:
    under ``CI=true`` the test fails -- CI must run them; elsewhere (no root to apt-install Chromium)
    it is skipped, and the end of the run says so in capitals."""
    if on_ci():
        pytest.fail(f"{reason} (CI=true: the browser tests must run here)", pytrace=False)
    if reason not in BROWSER_SKIPS:
        BROWSER_SKIPS.append(reason)
    pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if BROWSER_SKIPS:
        terminalreporter.section("BROWSER TESTS SKIPPED", sep="!", red=True, bold=True)
        for reason in BROWSER_SKIPS:
            terminalreporter.write_line(reason, red=True)
        terminalreporter.write_line(
            "The pages were NOT checked in a browser (script, requests, accessibility, PDF). "
            "Install Chromium with 'sudo make browser' (or scripts/setup-browser.sh as root) and run again; "
            "under CI=true these tests fail instead of skipping.",
            red=True,
        )


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (shared: Playwright's sync API allows one at a time);
    when not installed: fails under CI=true, else skips loudly (:func:`browser_missing`)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
    import harness

    try:
        harness.check_requirements()
    except harness.BrowserUnavailable as exc:
        browser_missing(str(exc))
    with harness.launch_browser() as b:
        yield b
