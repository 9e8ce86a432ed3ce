"""Shared fixtures: the project root, loaded pack data, and one real build of every pack."""

from __future__ import annotations

import shutil
from pathlib import Path

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


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (shared: Playwright's sync API allows one at a time);
    fails (not skips) when not installed."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
    import harness

    try:
        harness.check_requirements()
    except harness.BrowserUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    with harness.launch_browser() as b:
        yield b
