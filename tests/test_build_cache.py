"""Incremental builds: the cache rebuilds exactly the packs whose inputs changed, and never serves a stale one.

Notebook runs cost seconds each, so:

* one real build of two packs (``north``, ``south``) is shared by the module;
* one test changes a parameter and really rebuilds, checking the new pack says so;
* the decision "which packs must run" is checked for every input with a stand-in
  executor that records what it was asked to run (no kernels), in a copy of the
  built project with its cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from reviewpack.cli import main
from reviewpack.pipeline import build as build_mod
from reviewpack.pipeline import executors
from reviewpack.pipeline import fingerprint as fingerprint_mod
from reviewpack.pipeline import page as page_mod

pytestmark = pytest.mark.slow

PACKS = ["north", "south"]


def cli(project: Path, *args: str) -> tuple[int, dict[str, str], str]:
    """Run ``reviewpack --project PROJECT build ARGS``; return (exit code, {pack: status}, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--project", str(project), "build", *args])
    statuses = dict(re.findall(r"^(\w+)\s+(built|cached|failed)\s+[\d.]+$", out.getvalue(), re.M))
    return code, statuses, err.getvalue()


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file's mtime and bytes (a no-op build must not even rewrite a file)."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()}


#: stands in for the package's source digest: the package may be edited while the tests run,
#: which must not make a pack look changed between two steps of a test
SOURCE = "source-digest-fixed-for-these-tests"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """A project copy with north and south built once (cache and reports/latest filled)."""
    proj = tmp_path_factory.mktemp("cached") / "project"
    for part in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / part, proj / part)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fingerprint_mod, "source_digest", lambda: SOURCE)
        code, statuses, err = cli(proj, *[a for p in PACKS for a in ("--pack", p)])
        assert code == 0, err
        assert statuses == {"north": "built", "south": "built"}
        yield proj


def pack_args() -> list[str]:
    return [a for p in PACKS for a in ("--pack", p)]


# ---------------------------------------------------------------------------
# real builds


def test_noop_build_touches_nothing_and_imports_nothing_heavy(built: Path) -> None:
    out = built / "reports" / "latest"
    before = snapshot(out)
    code, statuses, _ = cli(built, *pack_args())
    assert code == 0 and statuses == {"north": "cached", "south": "cached"}
    assert snapshot(out) == before
    # in a fresh interpreter, as a user runs it: decided without pydantic, pandas, papermill, nbconvert or matplotlib
    probe = (
        "import sys, contextlib, io\n"
        "import reviewpack.pipeline.fingerprint\n"
        f"reviewpack.pipeline.fingerprint.source_digest = lambda: {SOURCE!r}\n"
        "from reviewpack.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as o:\n"
        f"    code = main(['--project', {str(built)!r}, 'build'] + {pack_args()!r})\n"
        "heavy = [m for m in ('pandas', 'papermill', 'nbconvert', 'matplotlib', 'pydantic', 'yaml') if m in sys.modules]\n"
        "print(code, heavy, 'built' in o.getvalue(), 'Up to date: nothing changed' in o.getvalue())\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0 [] False True", done.stdout + done.stderr
    assert snapshot(out) == before


def test_changing_one_pack_rebuilds_only_it_and_shows_the_change(built: Path) -> None:
    north = built / "params" / "north.yaml"
    original = north.read_text()
    north.write_text(original.replace("title: North Locality", "title: North Locality (trial)"))
    try:
        code, statuses, err = cli(built, *pack_args())
        assert code == 0, err
        assert statuses == {"north": "built", "south": "cached"}
        html = (built / "reports" / "latest" / "north.html").read_text()
        assert "North Locality (trial)" in html
        manifest = json.loads((built / "reports" / "latest" / "manifest.json").read_text())
        assert manifest["packs"]["north"]["params"]["title"] == "North Locality (trial)"
    finally:
        north.write_text(original)
    # back to the original: served from the cache (an earlier version is kept), not rebuilt, and not stale
    code, statuses, _ = cli(built, *pack_args())
    assert statuses == {"north": "cached", "south": "cached"}
    assert "North Locality (trial)" not in (built / "reports" / "latest" / "north.html").read_text()


# ---------------------------------------------------------------------------
# which packs run, for every input (stand-in executor, no kernels)


class RecordingExecutor:
    """Stands in for the local executor: records the packs it is asked to run, returns a marked page."""

    ran: list[str] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self) -> RecordingExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def prepare(self, tasks: list[executors.PackTask]) -> None:
        pass

    def run(self, tasks: list[executors.PackTask], on_start: object = None):
        from reviewpack.pipeline.publish import PackOutput

        for t in tasks:
            RecordingExecutor.ran.append(t.pack)
            digest = hashlib.sha256(json.dumps([t.params, t.notebook, t.page], sort_keys=True).encode()).hexdigest()
            out = PackOutput(html=f"<p>{t.pack} {digest}</p>", tables={"t": "a\n1\n"}, headlines={})
            yield t, executors.PackRun(t.pack, out, 0.01, {}, "test")


@pytest.fixture()
def copy(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the built project, cache included, with the stand-in executor."""
    proj = tmp_path / "project"
    for part in ("params", "data", "notebooks", ".cache", "reports"):
        shutil.copytree(built / part, proj / part)
    monkeypatch.setattr(build_mod, "make_executor", RecordingExecutor)
    RecordingExecutor.ran = []
    # the copy's cache is still valid: pack keys do not depend on where the project is
    code, statuses, err = cli(proj, *pack_args())
    assert code == 0, err
    assert statuses == {"north": "cached", "south": "cached"} and RecordingExecutor.ran == []
    return proj


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _change_data_file_and_checksum(proj: Path) -> None:
    raw = proj / "data" / "raw" / "SOURCES.md"
    raw.write_text(raw.read_text() + "\nA note added by a test.\n")
    sums = proj / "data" / "checksums.sha256"
    new = hashlib.sha256(raw.read_bytes()).hexdigest()
    sums.write_text(re.sub(r"^[0-9a-f]{64}(  SOURCES\.md)$", new + r"\1", sums.read_text(), flags=re.M))


CHANGES = {
    "one pack's parameters": (lambda p, mp: _edit(p / "params" / "south.yaml", "title: South Locality", "title: South (renamed)"), ["south"]),
    "the shared defaults": (lambda p, mp: _edit(p / "params" / "defaults.yaml", "pyramid_year: 2020", "pyramid_year: 2019"), PACKS),
    "a comment in the defaults": (lambda p, mp: _edit(p / "params" / "defaults.yaml", "# Shared defaults", "# Shared  defaults"), []),
    "the setup notebook": (lambda p, mp: _edit(p / "notebooks" / "setup.ipynb", "Key messages", "Key findings"), PACKS),
    "a topic notebook": (lambda p, mp: _edit(p / "notebooks" / "deprivation.ipynb", "Position in England", "Place in England"), PACKS),
    "a topic notebook these packs leave out": (
        lambda p, mp: _edit(p / "notebooks" / "boundary_options.ipynb", "## Boundary options", "## Options for boundaries"), []
    ),
    "a data file and its checksum": (lambda p, mp: _change_data_file_and_checksum(p), PACKS),
    "the source register": (lambda p, mp: _edit(p / "data" / "sources.yaml", "attribution:", "attribution:\n  - A test line."), PACKS),
    "the package version": (lambda p, mp: mp.setattr(fingerprint_mod, "__version__", "99.0"), PACKS),
    "the package code": (lambda p, mp: mp.setattr(fingerprint_mod, "source_digest", lambda: "changed-code"), PACKS),
    "the installed packages": (lambda p, mp: mp.setattr(fingerprint_mod, "environment_fingerprint", lambda: "pandas-99"), PACKS),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_each_input_rebuilds_exactly_the_packs_it_affects(copy: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    apply, expected = CHANGES[change]
    apply(copy, monkeypatch)
    out = copy / "reports" / "latest"
    before = snapshot(out)
    code, statuses, err = cli(copy, *pack_args())
    assert code == 0, err
    assert sorted(RecordingExecutor.ran) == sorted(expected)
    assert statuses == {p: ("built" if p in expected else "cached") for p in PACKS}
    if expected:
        assert snapshot(out) != before
        for p in expected:  # what was published is the new run's output, not the cached one
            assert (out / f"{p}.html").read_text().startswith(f"<p>{p} ")
    else:
        assert snapshot(out) == before
    # and the next build is a no-op
    RecordingExecutor.ran = []
    code, statuses, _ = cli(copy, *pack_args())
    assert statuses == dict.fromkeys(PACKS, "cached") and RecordingExecutor.ran == []


def test_force_rebuilds_every_pack_and_no_cache_reads_nothing(copy: Path) -> None:
    code, statuses, _ = cli(copy, *pack_args(), "--force")
    assert code == 0 and statuses == {"north": "built", "south": "built"}
    assert sorted(RecordingExecutor.ran) == PACKS
    RecordingExecutor.ran = []
    code, statuses, _ = cli(copy, *pack_args(), "--no-cache")
    assert statuses == {"north": "built", "south": "built"} and sorted(RecordingExecutor.ran) == PACKS


def test_partial_build_keeps_other_packs_and_a_tampered_output_is_rebuilt(copy: Path) -> None:
    out = copy / "reports" / "latest"
    code, statuses, _ = cli(copy, "--pack", "north")
    assert statuses == {"north": "cached"} and RecordingExecutor.ran == []
    assert (out / "south.html").is_file()
    # someone edits a published file: the folder no longer holds what was built, so it is published again (from the cache)
    (out / "north.html").write_text("edited by hand")
    code, statuses, _ = cli(copy, *pack_args())
    assert statuses == {"north": "cached", "south": "cached"} and RecordingExecutor.ran == []
    assert (out / "north.html").read_text() != "edited by hand"


def test_a_build_into_another_folder_or_with_other_params_is_not_served_from_the_record(copy: Path, tmp_path: Path) -> None:
    trial = tmp_path / "trial.yaml"
    trial.write_text("population:\n  pyramid_year: 2017\n")
    code, statuses, _ = cli(copy, *pack_args(), "--params", str(trial), "--out", str(tmp_path / "trial-out"))
    assert statuses == {"north": "built", "south": "built"}
    params = json.loads((tmp_path / "trial-out" / "manifest.json").read_text())["packs"]["north"]["params"]
    assert params["population"]["pyramid_year"] == 2017
    # the default folder still holds the default build, and is still a no-op
    RecordingExecutor.ran = []
    code, statuses, _ = cli(copy, *pack_args())
    assert statuses == {"north": "cached", "south": "cached"} and RecordingExecutor.ran == []


def test_a_file_named_outside_the_data_folder_is_part_of_the_key(copy: Path, tmp_path: Path) -> None:
    import yaml

    defaults = yaml.safe_load((copy / "params" / "defaults.yaml").read_text())
    register = tmp_path / "elsewhere" / "grants.csv"
    register.parent.mkdir()
    shutil.copy(copy / "data" / defaults["grants"]["register"], register)
    trial = tmp_path / "trial.yaml"
    trial.write_text(f"grants:\n  register: '{register}'\n")
    args = [*pack_args(), "--params", str(trial), "--out", str(tmp_path / "trial-out")]
    code, statuses, err = cli(copy, *args)
    assert code == 0, err
    assert statuses == {"north": "built", "south": "built"}
    RecordingExecutor.ran = []
    assert cli(copy, *args)[1] == {"north": "cached", "south": "cached"} and RecordingExecutor.ran == []
    register.write_text(register.read_text() + "\n")  # same path, same parameters, new contents
    code, statuses, err = cli(copy, *args)
    assert code == 0, err
    assert statuses == {"north": "built", "south": "built"} and sorted(RecordingExecutor.ran) == PACKS


def test_a_data_change_without_its_checksum_fails_and_publishes_nothing(copy: Path) -> None:
    out = copy / "reports" / "latest"
    before = snapshot(out)
    raw = copy / "data" / "raw" / "SOURCES.md"
    raw.write_text(raw.read_text() + "\nchanged\n")
    code, _, err = cli(copy, *pack_args())
    assert code == 2 and "SOURCES.md' has changed" in err
    assert snapshot(out) == before and RecordingExecutor.ran == []


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ("the build date", "2 January 1970"),
        ("the git commit", "feedbeef1234-dirty"),
    ],
)
def test_a_new_day_or_commit_republishes_without_running_a_notebook(
    copy: Path, monkeypatch: pytest.MonkeyPatch, change: str, shown: str
) -> None:
    """The title block's date and the footer's commit are stamped in when the packs are published:
    a new day (or editing a tracked parameter file, which makes the commit "-dirty") must not
    re-execute every pack, but every page must then show the new value."""
    if change == "the build date":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    else:
        monkeypatch.setattr(page_mod, "git_commit", lambda root: "feedbeef1234-dirty")
    out = copy / "reports" / "latest"
    assert shown not in (out / "north.html").read_text(encoding="utf-8")
    code, statuses, err = cli(copy, *pack_args())
    assert code == 0, err
    assert RecordingExecutor.ran == [] and statuses == dict.fromkeys(PACKS, "cached")
    for page in ["index.html", *(f"{p}.html" for p in PACKS)]:
        text = (out / page).read_text(encoding="utf-8")
        assert shown in text, page
        assert "\ue000" not in text, f"{page} holds an unstamped token"
    assert json.loads((out / "manifest.json").read_text())["build_date" if change == "the build date" else "git_commit"] == shown
    before = snapshot(out)
    code, statuses, _ = cli(copy, *pack_args())
    assert snapshot(out) == before and RecordingExecutor.ran == []
