"""Reproducible to the byte, and atomic publishing.

Two builds of the same inputs (``--force --no-cache``, two output folders, different job counts,
hash seeds, time zones and working folders) must give identical folders: every file, byte for byte
(the seconds per pack are kept outside, pipeline/timings.py), and ``diff -r`` finds nothing.
``SOURCE_DATE_EPOCH`` drives every date shown.

A failing build -- early (a bad register) or late (one pack's notebook fails after another pack
succeeded) -- must leave the previous output byte-for-byte unchanged, with no staging leftovers.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from reviewpack.cli import main

pytestmark = pytest.mark.slow

EPOCH = 1_700_000_000  # 2023-11-14 22:13:20 UTC
EPOCH_DATE = "14 November 2023"
PACKS = ["borough", "north"]
NOT_REPRODUCIBLE: set[str] = set()  # nothing: the seconds per pack live outside the published folder


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def digest(out: Path) -> dict[str, str]:
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in files(out).items()}


def _build(out: Path, monkeypatch: pytest.MonkeyPatch, tmp: Path, *, jobs: int, seed: str, tz: str) -> None:
    cwd = tmp / f"cwd-{seed}"
    cwd.mkdir()
    with monkeypatch.context() as m:
        m.chdir(cwd)
        m.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        m.setenv("PYTHONHASHSEED", seed)
        m.setenv("TZ", tz)
        args = ["--project", str(ROOT), "build", "--force", "--no-cache", "--jobs", str(jobs), "--out", str(out)]
        for p in PACKS:
            args += ["--pack", p]
        assert main(args) == 0


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("repro")
    mp = pytest.MonkeyPatch()
    try:
        a, b = tmp / "first" / "latest", tmp / "second-build" / "out"
        _build(a, mp, tmp, jobs=2, seed="1", tz="UTC")
        _build(b, mp, tmp, jobs=1, seed="2", tz="Pacific/Auckland")
    finally:
        mp.undo()
    return a, b


def _first_difference(x: bytes, y: bytes) -> str:
    i = next((k for k, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
    a = x[max(0, i - 200) : i + 200].decode("utf-8", "replace")
    b = y[max(0, i - 200) : i + 200].decode("utf-8", "replace")
    return "\n".join(difflib.unified_diff(a.splitlines(), b.splitlines(), "first", "second", lineterm=""))[:3000]


def test_two_builds_are_identical_to_the_byte(two_builds: tuple[Path, Path]) -> None:
    a, b = (files(d) for d in two_builds)
    assert sorted(a) == sorted(b)
    assert {"index.html", "borough.html", "north.html", "manifest.json"} <= set(a)
    assert "build-timings.json" not in a, "the seconds per pack belong outside the published folder"
    assert any(k.startswith("tables/borough/") for k in a) and any(k.startswith("tables/north/") for k in a)
    for rel in sorted(a):
        if rel in NOT_REPRODUCIBLE:
            continue
        assert a[rel] == b[rel], f"{rel} differs between two builds of the same inputs:\n{_first_difference(a[rel], b[rel])}"


def test_diff_finds_two_builds_identical(two_builds: tuple[Path, Path]) -> None:
    """What a user would run to check: ``diff -r`` of the two published folders prints nothing."""
    import shutil
    import subprocess

    if shutil.which("diff") is None:  # pragma: no cover - every POSIX system has diff
        pytest.skip("no diff command")
    a, b = two_builds
    proc = subprocess.run(["diff", "-r", str(a), str(b)], capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_timings_are_kept_outside_the_published_folder(two_builds: tuple[Path, Path]) -> None:
    from reviewpack.pipeline.timings import read_timings, timings_path

    for out in two_builds:
        timings = read_timings(ROOT, out)
        assert timings["out"] == str(out) and set(timings["packs"]) == set(PACKS)
        assert all(t["status"] == "built" and t["seconds"] > 0 for t in timings["packs"].values())
        assert out not in timings_path(ROOT, out).parents
    assert timings_path(ROOT, two_builds[0]) != timings_path(ROOT, two_builds[1])


def test_source_date_epoch_drives_every_date(two_builds: tuple[Path, Path]) -> None:
    out = two_builds[0]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["build_date"] == EPOCH_DATE
    today = date.today()
    if today != datetime.fromtimestamp(EPOCH, tz=UTC).date():
        stamps = (f"{today.day} {today:%B %Y}", today.isoformat(), today.strftime("%d/%m/%Y"))
    else:  # pragma: no cover - only on 14 November 2023
        stamps = ()
    for name in ("index.html", "borough.html", "north.html"):
        page = (out / name).read_text(encoding="utf-8")
        assert re.search(rf"<dt>Built</dt>\s*<dd>{EPOCH_DATE}</dd>", page), f"{name} does not show the SOURCE_DATE_EPOCH date"
        for stamp in stamps:
            assert stamp not in page, f"{name} shows today's date {stamp!r}, not SOURCE_DATE_EPOCH's"
    assert not any(s in (out / "manifest.json").read_text(encoding="utf-8") for s in stamps)


def test_output_names_no_machine_details(two_builds: tuple[Path, Path]) -> None:
    """No output path, temporary folder or user name leaks into the published bytes."""
    for out in two_builds:
        for rel, data in files(out).items():
            if rel in NOT_REPRODUCIBLE:
                continue
            text = data.decode("utf-8", "replace")
            for leak in (str(out), str(out.parent), "/tmp/", "pytest-of-"):
                assert leak not in text, f"{rel} contains {leak!r}"


def test_charts_carry_no_run_metadata(two_builds: tuple[Path, Path]) -> None:
    page = (two_builds[0] / "borough.html").read_text(encoding="utf-8")
    svgs = [base64.b64decode(s).decode("utf-8") for s in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page)]
    inline = re.findall(r"<svg\b.*?</svg>", page, re.S)
    charts = svgs + inline
    assert charts, "the borough pack has no SVG charts"
    for svg in charts:
        assert "<dc:date>" not in svg and "Matplotlib v" not in svg
        ids = re.findall(r'id="([^"]+)"', svg)
        assert all(not re.fullmatch(r"[0-9a-f]{32,}", i) for i in ids), "random-looking SVG ids"


# ---------------------------------------------------------------------------
# atomic publishing


def _assert_unchanged(out: Path, before: dict[str, str], siblings: list[str]) -> None:
    assert digest(out) == before, "the published folder changed"
    assert sorted(p.name for p in out.parent.iterdir()) == siblings, "staging or backup folders were left behind"


def test_failing_build_leaves_the_last_good_output_unchanged(
    two_builds: tuple[Path, Path], project_copy: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = two_builds[1]
    before, siblings = digest(out), sorted(p.name for p in out.parent.iterdir())
    assert len(before) > 10

    # early: a grant register with an invalid row, found by the reconciliation
    bad = Path(__file__).resolve().parent / "bad_inputs" / "grants" / "negative_amount.csv"
    params = tmp_path / "bad.yaml"
    params.write_text(f"grants:\n  register: '{bad}'\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--project", str(ROOT), "build", "--no-cache", "--params", str(params), "--out", str(out)]) == 2
    assert "row 5: Amount Awarded '-250' is negative" in capsys.readouterr().err
    _assert_unchanged(out, before, siblings)

    # late: north's notebook fails while borough's runs (or has built)
    nb_path = project_copy / "notebooks" / "population.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(4, nbformat.v4.new_code_cell(
        'if P.scope.area == "North":\n    raise RuntimeError("MADE-UP TEST FAILURE in the north pack")'))
    nbformat.write(nb, nb_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    code = main(["--project", str(project_copy), "build", "--no-cache", "--pack", "borough", "--pack", "north", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "MADE-UP TEST FAILURE in the north pack" in err and "nothing was published" in err and "Traceback" not in err
    _assert_unchanged(out, before, siblings)
