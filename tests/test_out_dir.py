"""`--out` never replaces a folder that reviewpack did not publish, and what it publishes is readable by others."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from reviewpack.cli import main


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda tmp: (tmp / "mine").mkdir() or (tmp / "mine" / "notes.txt").write_text("precious") and tmp / "mine",
         "already holds files that no reviewpack build published"),
        (lambda tmp: (tmp / "afile").write_text("x") and tmp / "afile", "is a file, not a folder"),
        (lambda tmp: ROOT / "data", "is inside the project's 'data' folder"),
        (lambda tmp: ROOT / "data" / "raw", "is inside the project's 'data' folder"),
        (lambda tmp: ROOT, "is the project folder or holds it"),
        (lambda tmp: ROOT.parent, "is the project folder or holds it"),
    ],
    ids=["folder-with-user-files", "a-file", "data", "data-raw", "project", "above-project"],
)
def test_out_that_would_destroy_something_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], make, fragment: str) -> None:
    out = make(tmp_path)
    before = sorted(str(p) for p in out.rglob("*")) if out.is_dir() and out != ROOT.parent else None
    code = main(["--project", str(ROOT), "build", "--pack", "borough", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: --out '{out}'") and fragment in err and "--out reports/trial" in err, err
    if before is not None:
        assert sorted(str(p) for p in out.rglob("*")) == before
    if out.name == "mine":
        assert (out / "notes.txt").read_text() == "precious"


def test_an_empty_folder_or_an_earlier_build_is_accepted(tmp_path: Path) -> None:
    from reviewpack.pipeline.plan import check_out_dir

    check_out_dir(ROOT, tmp_path / "new")
    (tmp_path / "empty").mkdir()
    check_out_dir(ROOT, tmp_path / "empty")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text(json.dumps({"reviewpack_version": "0.1.0"}))
    (tmp_path / "old" / "north.html").write_text("<p>old</p>")
    check_out_dir(ROOT, tmp_path / "old")


def test_published_folder_is_readable_by_others(built_reports: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(built_reports.stat().st_mode) == 0o777 & ~umask


def test_index_cards_list_figures_in_the_packs_order(built_reports: Path) -> None:
    """The manifest keeps each pack's headline figures in order (a partial build redraws the
    other packs' cards from it)."""
    manifest = json.loads((built_reports / "manifest.json").read_text(encoding="utf-8"))
    labels = [label for label, _ in manifest["packs"]["north"]["headlines"]]
    assert labels[0].startswith("Residents") and labels[-1].startswith("Grant £ per resident")


def test_listing_into_a_closed_pipe_is_quiet() -> None:
    exe = Path(sys.executable).parent / "reviewpack"
    proc = subprocess.run(f"'{exe}' --project '{ROOT}' list --national | head -1", shell=True, capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "E06000001  Hartlepool"
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
