"""Publishing in one atomic step, one build per output folder, and a killed build that leaves nothing running.

* ``pipeline/swap.py``: the staged build is exchanged with the output folder by one
  ``renameat2(RENAME_EXCHANGE)``; where that is unavailable, two renames whose crash window the next
  build repairs; leftovers of a killed build are tidied by the next one.
* ``pipeline/lock.py``: a second build into a folder being published waits, then exits 2.
* ``executors/lifeline.py`` and ``pipeline/signals.py``: workers and kernels die with the build.
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import ROOT

import reviewpack.pipeline.swap as swap
from reviewpack.cli import main
from reviewpack.pipeline.lock import lock_path, output_lock


def tree(path: Path) -> dict[str, str]:
    return {
        p.relative_to(path).as_posix(): "<dir>" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
    }


def a_build(folder: Path, text: str) -> Path:
    """A stand-in for a published build (what check_out_dir accepts as reviewpack's)."""
    (folder / "tables" / "borough").mkdir(parents=True)
    (folder / "index.html").write_text(f"<!DOCTYPE html><title>{text}</title>\n", encoding="utf-8")
    (folder / "manifest.json").write_text(f'{{"build": "{text}", "reviewpack_version": "0.1.0"}}\n', encoding="utf-8")
    (folder / "tables" / "borough" / "t.csv").write_text(f"build\n{text}\n", encoding="utf-8")
    return folder


# ---------------------------------------------------------------------------
# the swap


def test_the_swap_is_one_exchange_and_leaves_nothing_beside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = a_build(tmp_path / "latest", "old")
    stage = a_build(tmp_path / ".latest.staging-abcd1234", "new")
    new = tree(stage)
    renames: list[tuple[str, str]] = []
    real_rename = os.rename
    monkeypatch.setattr(os, "rename", lambda a, b: renames.append((Path(a).name, Path(b).name)) or real_rename(a, b))
    swap.replace_dir(stage, out)
    assert tree(out) == new
    # the only renames are of the *old* build, out of the way, after the exchange put the new one in place
    assert all(dst == "old" for _, dst in renames), renames
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest"]


def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    a, b = a_build(tmp_path / "a", "A"), a_build(tmp_path / "b", "B")
    ta, tb = tree(a), tree(b)
    if not swap.exchange(a, b):
        pytest.skip("this platform or file system has no atomic folder exchange (the two-rename path is tested below)")
    assert tree(a) == tb and tree(b) == ta


def test_a_first_build_is_one_rename(tmp_path: Path) -> None:
    stage = a_build(tmp_path / ".latest.staging-abcd1234", "new")
    swap.replace_dir(stage, tmp_path / "latest")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest"]


def test_without_an_exchange_a_crash_between_the_two_renames_is_repaired_by_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = a_build(tmp_path / "latest", "last good")
    good = tree(out)
    stage = a_build(tmp_path / ".latest.staging-abcd1234", "new")
    monkeypatch.setattr(swap, "exchange", lambda a, b: False)
    real_rename, calls = os.rename, []

    def crash_on_second(a: object, b: object) -> None:
        calls.append(b)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed between the two renames")
        real_rename(a, b)

    monkeypatch.setattr(os, "rename", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        swap.replace_dir(stage, out)
    monkeypatch.setattr(os, "rename", real_rename)
    assert not out.exists()
    [old] = [p for p in tmp_path.iterdir() if p.name.startswith(".latest.old-")]
    assert tree(old) == good

    done = swap.clean_stale(out)  # what the next build does first, under the lock
    assert tree(out) == good
    assert done == [f"restored {old.name}", "removed .latest.staging-abcd1234"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest"]


def test_the_next_build_removes_only_this_folders_leftovers(tmp_path: Path) -> None:
    out = a_build(tmp_path / "latest", "good")
    leftovers = [".latest.staging-abcd1234", ".latest.staging-z_9x0q1w", ".latest.probe-abcd1234", ".latest.trash-abcd1234", ".latest.old-4242"]
    keep = [
        ".latest-2.staging-abcd1234",  # another output folder's
        ".latest.staging-x.staging-abcd1234",  # the staging of an output folder named 'latest.staging-x'
        ".latest.staging-short",  # not a name the build makes
        "notes", ".latest.lock",
    ]
    for name in leftovers + keep:
        (tmp_path / name).mkdir()
        (tmp_path / name / "f").write_text("x")
    good = tree(out)
    done = swap.clean_stale(out)
    assert sorted(done) == sorted(f"removed {n}" for n in leftovers)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["latest", *keep])
    assert tree(out) == good


# ---------------------------------------------------------------------------
# one build per output folder


def test_a_second_build_into_a_folder_being_published_waits_then_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = a_build(tmp_path / "site" / "latest", "last good")
    before = tree(out)
    monkeypatch.setenv("REVIEWPACK_LOCK_WAIT", "0.5")
    with output_lock(out):  # another build holds the folder
        t = time.monotonic()
        code = main(["--project", str(ROOT), "build", "--pack", "borough", "--no-cache", "--out", str(out)])
        waited = time.monotonic() - t
        siblings = sorted(p.name for p in out.parent.iterdir())
    err = capsys.readouterr().err
    assert code == 2, err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: Another reviewpack build (process {os.getpid()}) is publishing into '{out}'. "
        "Wait for it to finish and run this build again, or build into another folder with --out."
    ], err
    assert waited >= 0.5
    assert tree(out) == before
    assert siblings == [".latest.lock", "latest"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["latest"], "the lock file is removed with the lock"


def test_the_lock_is_taken_again_after_its_holder_went(tmp_path: Path) -> None:
    out = tmp_path / "latest"
    with output_lock(out, wait=0):
        pass
    lock_path(out).write_text("999999\n")  # a file left by a build killed with kill -9: not locked by anyone
    with output_lock(out, wait=0):
        assert lock_path(out).read_text() == f"{os.getpid()}\n"
    assert not lock_path(out).exists()


# ---------------------------------------------------------------------------
# a full disk


@pytest.mark.slow
def test_a_full_disk_while_publishing_exits_2_and_keeps_the_last_build(
    project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site" / "latest"
    args = ["--project", str(project_copy), "build", "--pack", "borough", "--out", str(out)]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert main(args) == 0
    before = tree(out)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700086400")  # the next day: re-published from the cache, no notebook runs
    real = Path.write_text

    def full(self: Path, *a: object, **k: object) -> int:
        if ".latest.staging-" in str(self):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", full)
    capsys.readouterr()
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: Could not write the build next to '{out}' (No space left on device), so nothing was published and "
        f"'{out}' is unchanged. Free some space on that disk, then run the build again (packs already built come from the cache)."
    ], err
    assert tree(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["latest"]


# ---------------------------------------------------------------------------
# a build killed mid-run


def _tagged(tag: str) -> list[tuple[int, str]]:
    """Live processes started (directly or not) by the build carrying ``RP_TEST_TAG=tag`` in their environment."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if f"RP_TEST_TAG={tag}".encode() not in Path(f"/proc/{d}/environ").read_bytes():
                continue
            if Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue  # exited, not yet reaped
            found.append((int(d), Path(f"/proc/{d}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]))
        except OSError:
            continue
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc to find the build's processes")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT], ids=["SIGTERM", "SIGKILL", "SIGINT"])
def test_a_killed_build_leaves_no_process_and_the_output_unchanged(tmp_path: Path, sig: signal.Signals) -> None:
    out = a_build(tmp_path / "site" / "latest", "last good")
    before = tree(out)
    tag = uuid.uuid4().hex
    env = {**os.environ, "RP_TEST_TAG": tag, "REVIEWPACK_PREFORK": "1"}
    exe = Path(sys.executable).parent / "reviewpack"
    log = tmp_path / "stderr.txt"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [str(exe), "--project", str(ROOT), "build", "--no-cache", "--force", "--jobs", "2",
             "--pack", "borough", "--pack", "north", "--out", str(out)],
            env=env, stdout=subprocess.DEVNULL, stderr=err,
        )
    try:
        deadline = time.monotonic() + 120
        # mid-run: both packs running, each in a kernel forked from the kernel template
        while sum("_template_main" in cmd for _, cmd in _tagged(tag)) < 3:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"the kernels never started: {_tagged(tag)}"
            time.sleep(0.1)
        running = _tagged(tag)
        assert any("forkserver" in cmd for _, cmd in running), running
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 15
    while _tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _tagged(tag) == [], "processes outlived the build"
    assert tree(out) == before, "the output folder changed"
    stderr = log.read_text()
    assert "Traceback" not in stderr, stderr
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
        with output_lock(out, wait=0):  # a killed build's lock is gone with it
            swap.clean_stale(out)
    else:
        assert code == 128 + sig, stderr
        assert stderr.rstrip().endswith("interrupted; the output folder is unchanged"), stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["latest"], "staging, backup or lock files were left behind"
