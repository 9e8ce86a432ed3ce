"""Parallel and distributed builds give byte-identical packs, and leave no kernel files behind.

Reference: ``--jobs 1`` with plain kernels (``python -m ipykernel_launcher``,
kernel template off), for two packs.  Compared with it, byte for byte (every
file; the timings are kept outside the published folder):

* ``--jobs 2`` with kernels forked from the kernel template (the default);
* ``--executor dask`` on a LocalCluster (2 worker processes, 1 thread each, 127.0.0.1).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT

from reviewpack.cli import main
from reviewpack.errors import ParameterError
from reviewpack.pipeline import executors
from reviewpack.pipeline.timings import read_timings

pytestmark = pytest.mark.slow

PACKS = ["north", "west"]
PACK_ARGS = [a for p in PACKS for a in ("--pack", p)]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of params/, data/ and notebooks/, so edits to the real ones cannot land between two builds."""
    proj = tmp_path_factory.mktemp("executors") / "project"
    for part in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / part, proj / part)
    return proj


def cli(project: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--project", str(project), "build", *args])
    return code, out.getvalue(), err.getvalue()


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@contextlib.contextmanager
def private_tmp(folder: Path):
    """Make ``tempfile`` (here and in forked workers) use ``folder``, to see what is left behind."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = saved


def left_behind(folder: Path) -> list[Path]:
    """What a build left in ``folder``, but multiprocessing's own ``pymp-*`` folder (its fork server's
    socket, made on first use and removed when this process exits)."""
    return [p for p in folder.iterdir() if not p.name.startswith("pymp-")]


@pytest.fixture(scope="module")
def reference(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two packs, one at a time, plain kernels: the reference output."""
    out = tmp_path_factory.mktemp("jobs1") / "latest"
    saved = os.environ.get("REVIEWPACK_PREFORK")
    os.environ["REVIEWPACK_PREFORK"] = "0"
    try:
        code, stdout, err = cli(project, *PACK_ARGS, "--jobs", "1", "--no-cache", "--out", str(out))
    finally:
        if saved is None:
            os.environ.pop("REVIEWPACK_PREFORK")
        else:
            os.environ["REVIEWPACK_PREFORK"] = saved
    assert code == 0, err
    timings = read_timings(project, out)
    assert timings["prefork"] is False and timings["jobs"] == 1
    return out


def test_parallel_forked_kernels_are_byte_identical_and_leave_nothing(project: Path, reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "latest"
    with private_tmp(tmp_path / "tmp") as tmp:
        code, _, err = cli(project, *PACK_ARGS, "--jobs", "2", "--no-cache", "--out", str(out))
        assert code == 0, err
        assert left_behind(tmp) == [], "kernel sockets, connection files or working folders left behind"
    timings = read_timings(project, out)
    assert timings["prefork"] is True and timings["jobs"] == 2
    assert len({p["phases"]["worker"] for p in timings["packs"].values()}) == 2, "the two packs ran in two workers"
    ref, got = files(reference), files(out)
    assert sorted(got) == sorted(ref)
    assert [name for name in ref if ref[name] != got[name]] == []


FAILING_CELL = """\
if pack == "west":
    raise ValueError("boom in west")
if pack == "south":
    from reviewpack.errors import DataFileError
    raise DataFileError("file 'made-up.csv', row 3: a bad input found inside the notebook")
"""


@pytest.fixture()
def failing(tmp_path: Path) -> Path:
    """A project copy whose setup notebook fails for west (a bug) and south (a bad input), right after its parameters
    (cell 3 of notebooks/setup.ipynb, the first notebook of every pack)."""
    proj = tmp_path / "project"
    for part in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / part, proj / part)
    nb_path = proj / "notebooks" / "setup.ipynb"
    nb = json.loads(nb_path.read_text())
    at = next(i for i, c in enumerate(nb["cells"]) if "parameters" in c.get("metadata", {}).get("tags", []))
    nb["cells"].insert(at + 1, {"cell_type": "code", "execution_count": None, "id": "boom", "metadata": {}, "outputs": [], "source": FAILING_CELL})
    nb_path.write_text(json.dumps(nb))
    return proj


def test_failing_packs_are_named_nothing_is_published_and_nothing_left_behind(failing: Path, tmp_path: Path) -> None:
    out = tmp_path / "latest"
    out.mkdir()
    (out / "index.html").write_text("last good")
    (out / "manifest.json").write_text('{"reviewpack_version": "0.1.0"}')
    with private_tmp(tmp_path / "tmp") as tmp:
        out_, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out_), contextlib.redirect_stderr(err):
            code = main(["--project", str(failing), "build", "--pack", "west", "--pack", "south", "--jobs", "2", "--out", str(out)])
        assert left_behind(tmp) == [], "kernel sockets, connection files or working folders left behind"
    message = err.getvalue()
    assert code == 1  # one of the two is a bug, not a bad input
    assert "2 of 2 pack(s) failed, so nothing was published" in message
    assert "Pack 'west': the notebook failed in notebooks/setup.ipynb, cell 3: ValueError: boom in west" in message
    assert "Pack 'south': file 'made-up.csv', row 3" in message
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "manifest.json"] and (out / "index.html").read_text() == "last good"


def test_a_user_error_raised_in_the_notebook_is_still_exit_2(failing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(failing), "build", "--pack", "south", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "error: 1 of 1 pack(s) failed" in err
    assert "Pack 'south': file 'made-up.csv', row 3: a bad input found inside the notebook" in err
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def _tiny_notebook(failing_metadata: dict) -> str:
    cell = lambda i, source, metadata: {"cell_type": "code", "execution_count": None, "id": i, "metadata": metadata, "outputs": [], "source": source}  # noqa: E731
    nb = {
        "cells": [
            cell("params", "pack = None\nparams = None", {"tags": ["parameters"]}),
            cell("setup", "ranks = {}", {"reviewpack": {"source": "notebooks/deprivation.ipynb", "cell": 3}}),
            cell("boom", "ranks['imd_rank']", failing_metadata),
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb)


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"reviewpack": {"source": "notebooks/deprivation.ipynb", "cell": 4}},
         "Pack 'north': the notebook failed in notebooks/deprivation.ipynb, cell 4: KeyError: 'imd_rank'"),
        ({}, "Pack 'north': the notebook failed in cell 4: KeyError: 'imd_rank'"),
    ],
)
def test_a_failing_cell_is_named_by_its_section_notebook(metadata: dict, message: str) -> None:
    """A composed notebook's cells say which topic notebook and cell they came from; a failure names them."""
    from reviewpack.errors import BuildError

    task = executors.PackTask(pack="north", params={}, page={}, notebook=_tiny_notebook(metadata), root=str(ROOT), source_digest="", prefork=False)
    with pytest.raises(BuildError) as info:
        executors.execute_pack(task)
    assert str(info.value) == message


def test_notebook_imports_are_read_from_code_cells() -> None:
    nb = {"cells": [
        {"cell_type": "markdown", "source": "import nothing"},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "import numpy as np, os.path\n", "from reviewpack.present import charts, display\n"]},
        {"cell_type": "code", "source": "from reviewpack.analysis.sections import Pack\nfrom . import relative\ndef f():\n    import json\n"},
        {"cell_type": "code", "source": "this is not python"},
    ]}
    assert executors.notebook_imports(json.dumps(nb)) == [
        "numpy", "os.path", "reviewpack.present", "reviewpack.present.charts", "reviewpack.present.display", "reviewpack.analysis.sections",
        "reviewpack.analysis.sections.Pack", "json",
    ]


def test_dask_missing_is_a_user_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ParameterError, match=r"pip install -e \.\[dask\]"):
        executors.make_executor("dask", 1)
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else object())
    assert main(["--project", str(ROOT), "build", "--pack", "north", "--executor", "dask", "--no-cache", "--out", str(tmp_path / "o")]) == 2
    assert "pip install -e .[dask]" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_scheduler_needs_the_dask_executor(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--project", str(ROOT), "build", "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path / "o")]) == 2
    assert "--scheduler needs --executor dask" in capsys.readouterr().err


# the Dask tests come last: a Dask client leaves threads in this process, and the local executor forks it


def test_dask_local_cluster_listens_on_loopback_only() -> None:
    pytest.importorskip("distributed")
    psutil = pytest.importorskip("psutil")
    with executors.make_executor("dask", 1) as ex:
        assert ex.cluster is not None
        assert ex.cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        info = ex.client.scheduler_info()
        assert info["workers"] and all(w.startswith("tcp://127.0.0.1:") for w in info["workers"])
        me = psutil.Process()
        listening = [
            c.laddr.ip for p in [me, *me.children(recursive=True)] for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN
        ]
        assert listening and set(listening) == {"127.0.0.1"}, listening


def test_dask_executor_is_byte_identical(project: Path, reference: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "latest"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        code, _, err = cli(project, *PACK_ARGS, "--executor", "dask", "--scheduler", cluster.scheduler_address, "--no-cache", "--out", str(out))
    assert code == 0, err
    timings = read_timings(project, out)
    assert timings["executor"] == "dask"
    ref, got = files(reference), files(out)
    assert sorted(got) == sorted(ref)
    assert [name for name in ref if ref[name] != got[name]] == []
