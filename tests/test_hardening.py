"""Hardening (issue 17): a tampered cache entry is never served, pack names stay inside their folders,
parameter files are read within limits and once per build, and context Markdown stays inert.

The bad-input corpus (tests/bad_inputs/cases.yaml) holds the one-line errors; these tests check
what a corpus case cannot: what the build did with the cache, which files it touched, and how often
it read a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from pathlib import Path

import pytest
from conftest import ROOT

from reviewpack.cli import main
from reviewpack.config import load_pack_params, safe_yaml
from reviewpack.config.names import check_pack_name, inside
from reviewpack.errors import ParameterError
from reviewpack.pipeline import fingerprint as fingerprint_mod
from reviewpack.pipeline.cache import load_pack, store_pack
from reviewpack.pipeline.guards import check_scheduler_address
from reviewpack.pipeline.publish import PackOutput


def cli(project: Path, *args: str) -> tuple[int, dict[str, str], str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--project", str(project), "build", *args])
    return code, dict(re.findall(r"^(\w+)\s+(built|cached|failed)\s+[\d.]+$", out.getvalue(), re.M)), err.getvalue()


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
            for p in sorted(folder.rglob("*"))}


# ---------------------------------------------------------------------------
# the cache


def test_cache_entry_round_trips_and_a_changed_byte_is_refused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = PackOutput(html="<p>Walsall's 284,106</p>", tables={"t": "a,b\n1,2\n"}, headlines={"Residents": "284,106"})
    store_pack(tmp_path, "north", "k1", out)
    assert load_pack(tmp_path, "north", "k1") == out
    entry = next((tmp_path / ".cache" / "reviewpack" / "packs").glob("north-k1.json"))
    entry.write_text(entry.read_text(encoding="utf-8").replace("284,106", "984,106", 1), encoding="utf-8")
    with caplog.at_level("WARNING", logger="reviewpack"):
        assert load_pack(tmp_path, "north", "k1") is None
    assert "cached pack 'north' (north-k1.json) failed its integrity check" in caplog.text
    assert not entry.exists(), "a tampered entry is deleted"
    store_pack(tmp_path, "north", "k1", out)
    entry.rename(entry.with_name("north-k2.json"))  # an entry moved under another key is not served either
    assert load_pack(tmp_path, "north", "k2") is None


@pytest.mark.slow
def test_a_tampered_cached_pack_is_rebuilt_not_published(
    project_copy: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 17: one byte flipped in a cached pack (284,106 -> 984,106) was published, and re-published
    into reports/latest by the next day's build.  Now the entry fails its digest and is rebuilt."""
    monkeypatch.setattr(fingerprint_mod, "source_digest", lambda: "fixed-for-this-test")  # others may edit the package meanwhile
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    code, statuses, err = cli(project_copy, "--pack", "north", "--out", str(project_copy / "reports" / "first"))
    assert code == 0 and statuses == {"north": "built"}, err
    first = (project_copy / "reports" / "first" / "north.html").read_text(encoding="utf-8")
    assert "284,106" in first and "984,106" not in first
    [entry] = (project_copy / ".cache" / "reviewpack" / "packs").glob("north-*.json")
    raw = entry.read_text(encoding="utf-8")
    assert "284,106" in raw
    entry.write_text(raw.replace("284,106", "984,106", 1), encoding="utf-8")

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700086400")  # the next day: the pack is re-published from the cache
    with caplog.at_level("WARNING", logger="reviewpack"):
        code, statuses, err = cli(project_copy, "--pack", "north", "--out", str(project_copy / "reports" / "next-day"))
    assert code == 0, err
    assert statuses == {"north": "built"}, "the tampered entry was served from the cache"
    assert f"cached pack 'north' ({entry.name}) failed its integrity check (digest mismatch)" in caplog.text
    page = (project_copy / "reports" / "next-day" / "north.html").read_text(encoding="utf-8")
    assert "284,106" in page and "984,106" not in page

    code, statuses, err = cli(project_copy, "--pack", "north", "--out", str(project_copy / "reports" / "third"))
    assert code == 0 and statuses == {"north": "cached"}, "the rebuilt entry is good and served"
    assert (project_copy / "reports" / "third" / "north.html").read_text(encoding="utf-8") == page


# ---------------------------------------------------------------------------
# names


@pytest.mark.parametrize("name", ["../../x", "..", ".", "a/b", "a\\b", "/etc", "North", "north pack", "", "x" * 101, "-x", "é", None, 3])
def test_unsafe_pack_names_are_refused(name: object) -> None:
    with pytest.raises(ParameterError, match="is not a safe name"):
        check_pack_name(name)


@pytest.mark.parametrize("name", ["index", "manifest", "changes", "tables", "build-timings", "datapackage", "con", "lpt1"])
def test_reserved_pack_names_are_refused(name: str) -> None:
    with pytest.raises(ParameterError, match=f"Pack name '{name}' is reserved"):
        check_pack_name(name)


def test_safe_pack_names_pass() -> None:
    for name in ("borough", "north", "e08000030", "area_partnership-1", "x" * 100):
        assert check_pack_name(name) == name


def test_inside_refuses_a_path_that_leaves_its_folder(tmp_path: Path) -> None:
    assert inside(tmp_path, tmp_path / "tables" / "north" / "a.csv") == tmp_path / "tables" / "north" / "a.csv"
    with pytest.raises(ValueError, match="outside"):
        inside(tmp_path / "out", tmp_path / "out" / ".." / "x.html")


def test_a_path_traversal_pack_writes_nothing_anywhere(project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``packs: ["../../x"]`` read YAML outside params/ and could write outside the output and cache."""
    (project_copy / "params" / "x.yaml").write_text("title: MADE-UP x\narea: North\n", encoding="utf-8")
    evil = tmp_path / "evil.yaml"
    evil.write_text('packs: [borough, "../../x", "../x"]\n', encoding="utf-8")
    before = tree(tmp_path)
    code = main(["--project", str(project_copy), "build", "--params", str(evil), "--out", str(project_copy / "reports" / "latest")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: Pack name '../../x' (in 'packs' of '{evil}') is not a safe name" in err
    assert "Traceback" not in err
    assert tree(tmp_path) == before, "the failed build wrote a file"


# ---------------------------------------------------------------------------
# parameter files


def test_each_parameter_file_is_parsed_once_per_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17: a 60 MB parameter file was parsed 11 times per build."""
    from reviewpack.pipeline.plan import plan_build

    extra = tmp_path / "mine.yaml"
    extra.write_text("deprivation:\n  most_deprived_n: 12\n", encoding="utf-8")
    monkeypatch.setattr(safe_yaml, "_PARSED", {})
    decoded: list[str] = []
    real = safe_yaml.decode
    monkeypatch.setattr(safe_yaml, "decode", lambda raw, path, what="": decoded.append(Path(path).name) or real(raw, path, what))
    plan = plan_build(ROOT, extra_params=[extra], out_dir=tmp_path / "out")
    assert len(plan.packs) == 5 and plan.packs["north"].deprivation.most_deprived_n == 12
    counts = {name: decoded.count(name) for name in set(decoded)}
    assert counts["mine.yaml"] == 1 and counts["defaults.yaml"] == 1 and counts["north.yaml"] == 1, counts


def test_a_file_changed_on_disk_is_parsed_again(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("title: one\n", encoding="utf-8")
    assert safe_yaml.read(f) == {"title": "one"}
    f.write_text("title: two\n", encoding="utf-8")  # same size, likely the same clock tick
    assert safe_yaml.read(f) == {"title": "two"}
    got = safe_yaml.read(f)
    got["title"] = "changed by a caller"
    assert safe_yaml.read(f) == {"title": "two"}, "callers get a copy"


def test_windows_1252_parameter_file_is_read_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    f = tmp_path / "latin1.yaml"
    f.write_bytes("title: Café – £5\n".encode("cp1252"))
    with caplog.at_level("WARNING", logger="reviewpack"):
        assert load_pack_params(ROOT, "north", [f]).title == "Café – £5"
    assert "is not UTF-8: read as Windows-1252" in caplog.text


def test_yaml_merge_keys_and_repeated_anchors_within_limits_still_work(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("base: &b {x: 1, y: 2}\nmerged:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n", encoding="utf-8")
    assert safe_yaml.read(f) == {"base": {"x": 1, "y": 2}, "merged": {"x": 1, "y": 3}, "list": [{"x": 1, "y": 2}] * 2}


def test_validation_error_quotes_an_excerpt_of_a_huge_value(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("deprivation:\n  most_deprived_n: '" + "9" * 50_000 + "'\n", encoding="utf-8")
    with pytest.raises(ParameterError) as exc:
        load_pack_params(ROOT, "north", [f])
    assert len(str(exc.value)) < 600 and "..." in str(exc.value)


@pytest.mark.parametrize("address", ["http://127.0.0.1:8787", "https://dask.example.org", "10.0.0.5:8786", "tcp://", "file:///tmp/x"])
def test_scheduler_addresses_that_are_not_dask_are_refused(address: str) -> None:
    with pytest.raises(ParameterError, match="Dask scheduler address"):
        check_scheduler_address(address)


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "tls://scheduler:8786", "inproc://10.0.0.1/123/1"])
def test_dask_scheduler_addresses_pass(address: str) -> None:
    check_scheduler_address(address)

