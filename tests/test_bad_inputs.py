"""The bad-input corpus (tests/bad_inputs/cases.yaml) run through the real CLI.

Every failing case must end with the exact exit code, one ``error:`` line naming the file,
row/column or parameter and what to do, no traceback, no notebook run, and the output folder
byte-for-byte as it was. Accepted inputs (a BOM, Windows-1252, an XLSX with the grants on its
second sheet) must build, with the grants reconciliation line in manifest.json and in the page.

All inputs are made up (see tests/bad_inputs/README.md).
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT

import reviewpack.pipeline.build
from reviewpack.cli import main

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))["cases"]
FAILING = [c for c in CASES if c["exit"] != 0]
ACCEPTED = [c for c in CASES if c["exit"] == 0]

HEADER = [
    "Identifier", "Title", "Description", "Currency", "Amount Awarded", "Award Date",
    "Recipient Org:Identifier", "Recipient Org:Name", "Funding Org:Identifier", "Funding Org:Name",
    "Beneficiary Location:Geographic Code",
]
WARDS = ["E05001316", "E05001304", "E05001301", "E05001303", "E05001310", "E05001305"]


def made_up_row(i: int, amount: str | None = None) -> list[str]:
    """Grant ``i`` of a made-up register (the same rows as tests/bad_inputs/grants/*.csv)."""
    return [
        f"BI-{i:03d}", f"MADE-UP TEST DATA: grant {i}", "Made-up test record, not a real grant.", "GBP",
        amount if amount is not None else str(500 + 100 * i), f"2015-0{1 + i % 9}-15", f"360G-MADEUP-ORG-{i:03d}",
        f"Made-up Group {i:03d}", "360G-MADEUP-TEST", "MADE-UP TEST FUNDER (not real data)", WARDS[i % len(WARDS)],
    ]


# ---------------------------------------------------------------------------
# registers generated at run time (too big, or binary)


def _rows_100k(d: Path) -> Path:
    """100,000 valid grants, except data row 99,990 (spreadsheet row 99,991): amount 'N/A'."""
    path = d / "grants_100k.csv"
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    for i in range(1, 100_001):
        row = made_up_row(i, "N/A" if i == 99_990 else None)
        row[0] = f"BI-{i:06d}"
        w.writerow(row)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _old_excel_xls(d: Path) -> Path:
    path = d / "grants.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return path


def _pdf_as_csv(d: Path) -> Path:
    path = d / "grants.csv"
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    return path


def _damaged_xlsx(d: Path) -> Path:
    path = d / "grants.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"not really a workbook" * 20)
    return path


def _workbook(d: Path, grants_header: bool, *, hidden: str = "", long_title: int = 0) -> Path:
    """Notes sheet, then the six made-up grants on sheet 'Grants'.

    ``hidden="grants"`` hides the grants sheet; ``hidden="first"`` puts a hidden sheet first holding
    three other made-up grants of £1,000,000 each (a workbook's stale copy); ``long_title`` makes grant
    3's title that many characters long.
    """
    from openpyxl import Workbook

    wb = Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes.append(["MADE-UP TEST DATA: a notes sheet before the grants, as many councils' exports have"])
    if hidden == "first":
        old = wb.create_sheet("Old grants", 0)
        old.sheet_state = "hidden"
        old.append(HEADER)
        for i in range(1, 4):
            row = made_up_row(i, "1000000")
            row[0] = f"BI-OLD-{i}"
            old.append(row)
    ws = wb.create_sheet("Grants")
    if hidden == "grants":
        ws.sheet_state = "hidden"
    if grants_header:
        ws.append(HEADER)
    for i in range(1, 7):
        row: list[Any] = made_up_row(i)
        row[4] = int(row[4])  # a number cell, as Excel stores it
        if long_title and i == 3:
            row[1] = "MADE-UP " + "x" * (long_title - 8)
        ws.append(row)
    wb.active = wb.sheetnames.index("Notes")
    path = d / "grants.xlsx"
    wb.save(path)
    return path


def _xlsx_long_cell(d: Path) -> Path:
    """The six-grant workbook with grant 3's title 40,000 characters long (openpyxl writes at most Excel's
    32,767, so the shared string is lengthened in the saved file)."""
    import zipfile

    path = _workbook(d, grants_header=True, long_title=32_767)
    short = "MADE-UP " + "x" * (32_767 - 8)
    with zipfile.ZipFile(path) as zf:
        members = [(i, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            if info.filename == "xl/sharedStrings.xml":
                assert short.encode() in data
                data = data.replace(short.encode(), ("MADE-UP " + "x" * (40_000 - 8)).encode())
            zf.writestr(info, data)
    return path


def _xlsx_zip_bomb(d: Path) -> Path:
    """The six-grant workbook plus a member that unzips to 520 MB (about 0.5 MB on disk)."""
    import zipfile

    path = _workbook(d, grants_header=True)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf, zf.open("xl/media/padding.bin", "w", force_zip64=True) as fh:
        block = bytes(1 << 20)
        for _ in range(520):
            fh.write(block)
    return path


GENERATORS: dict[str, Callable[[Path], Path]] = {
    "rows_100k": _rows_100k,
    "old_excel_xls": _old_excel_xls,
    "pdf_as_csv": _pdf_as_csv,
    "damaged_xlsx": _damaged_xlsx,
    "xlsx_without_headers": lambda d: _workbook(d, grants_header=False),
    "xlsx_second_sheet": lambda d: _workbook(d, grants_header=True),
    "xlsx_hidden_first_sheet": lambda d: _workbook(d, grants_header=True, hidden="first"),
    "xlsx_grants_sheet_hidden": lambda d: _workbook(d, grants_header=True, hidden="grants"),
    "xlsx_long_cell": _xlsx_long_cell,
    "xlsx_zip_bomb": _xlsx_zip_bomb,
}


def _params_too_big(d: Path) -> Path:
    path = d / "too_big.yaml"
    line = "# MADE-UP TEST INPUT: a parameter file of 2.1 MB (a log pasted in by mistake)\n"
    path.write_text("title: MADE-UP\n" + line * (2_100_000 // len(line)), encoding="utf-8")
    return path


def _params_symlink_loop(d: Path) -> Path:
    path = d / "loop.yaml"
    path.symlink_to(path.name)  # a link to itself
    return path


PARAMS_GENERATORS: dict[str, Callable[[Path], Path]] = {
    "too_big": _params_too_big,
    "symlink_loop": _params_symlink_loop,
}


# ---------------------------------------------------------------------------
# changes to a project copy


def _register_checksum(data: Path, name: str) -> None:
    """Record the SHA-256 of ``raw/<name>`` in the copy's checksums.sha256."""
    manifest = data / "checksums.sha256"
    sha = hashlib.sha256((data / "raw" / name).read_bytes()).hexdigest()
    lines = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.strip() and line.split(None, 1)[1].strip().lstrip("*") == name:
            line = f"{sha}  {name}"
        lines.append(line)
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _mutate(project: Path, change: dict[str, Any]) -> None:
    data = project / "data"
    path = data / change["file"]
    op = change["op"]
    if op == "edit":
        text = path.read_text(encoding="utf-8")
        assert change["find"] in text, f"{change['find']!r} is not in {path.name}: the case is stale"
        path.write_text(text.replace(change["find"], change["replace"], 1), encoding="utf-8")
    elif op == "truncate":
        raw = path.read_bytes()
        cut = int(len(raw) * change["fraction"])
        if change.get("at_line_break"):
            cut = raw.rindex(b"\n", 0, cut) + 1
        else:
            assert raw[cut - 1 : cut] != b"\n", "the cut must fall mid-line"
        path.write_bytes(raw[:cut])
    elif op == "drop_column":
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
        i = rows[0].index(change["column"])
        buf = io.StringIO(newline="")
        w = csv.writer(buf, lineterminator="\n")
        for r in rows:
            w.writerow(r[:i] + r[i + 1 :])
        path.write_text(buf.getvalue(), encoding="utf-8")
    elif op == "drop_row":
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        del lines[change["row"]]
        path.write_text("".join(lines), encoding="utf-8")
    elif op == "delete":
        path.unlink()
    elif op == "prepend":
        path.write_text(change["text"] + path.read_text(encoding="utf-8"), encoding="utf-8")
    elif op == "reencode":  # saved again in another encoding (Excel's plain "CSV" is Windows-1252)
        path.write_bytes(path.read_text(encoding="utf-8").encode(change["encoding"]))
    else:  # pragma: no cover - a typo in cases.yaml
        raise ValueError(f"unknown op {op!r}")
    if change.get("checksum"):
        assert change["file"].startswith("raw/")
        _register_checksum(data, change["file"][4:])


# ---------------------------------------------------------------------------
# running a case


class NotebookWouldRun(Exception):
    """Raised instead of starting the pack runs: a failing case must fail before any kernel starts."""


class _NoRuns:
    """Stands in for the pack executor: warming up is allowed, running a pack is not."""

    def __init__(self, case: str) -> None:
        self.case = case

    def __enter__(self) -> _NoRuns:
        return self

    def __exit__(self, *exc: object) -> bool:
        return False

    def run(self, *a: Any, **k: Any) -> Any:
        raise NotebookWouldRun(f"case {self.case} got as far as running a pack notebook")

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *a, **k: None  # prepare() and the like


def tree(path: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``path`` (directories as ``<dir>/``)."""
    out = {}
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path).as_posix()
        out[rel] = "<dir>" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def fake_good_output(out: Path) -> None:
    """A stand-in for the last good build (the real one is tested in test_reproducible.py)."""
    (out / "tables" / "borough").mkdir(parents=True)
    (out / "index.html").write_text("<!DOCTYPE html><title>last good build</title>\n", encoding="utf-8")
    (out / "borough.html").write_text("<!DOCTYPE html><title>borough, last good build</title>\n", encoding="utf-8")
    (out / "manifest.json").write_text('{"build": "last good", "reviewpack_version": "0.1.0"}\n', encoding="utf-8")
    (out / "tables" / "borough" / "population_by_locality.csv").write_text("year,population\n2021,284106\n", encoding="utf-8")


def prepare(case: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest) -> tuple[list[str], dict[str, str]]:
    """The CLI arguments for a case and the values of its message placeholders."""
    tmp_path = tmp_path.resolve()
    project = ROOT
    if case.get("project") == "copy":
        project = request.getfixturevalue("project_copy").resolve()
        for change in case.get("mutate", []):
            _mutate(project, change)
    values = {"project": str(project), "out": str(tmp_path / "site" / "latest")}
    args = ["--project", str(project), "build", "--no-cache", "--out", str(tmp_path / "site" / "latest")]
    if "--pack" not in case.get("args", []):
        args += ["--pack", "borough"]
    args += [str(a) for a in case.get("args", [])]

    register = None
    if "register" in case:
        register = CORPUS / case["register"]
        assert register.is_file(), register
    elif "generate" in case:
        gen = tmp_path / "generated"
        gen.mkdir()
        register = GENERATORS[case["generate"]](gen)
    if register is not None:
        values["register"] = str(register)
        params = tmp_path / "register.yaml"
        params.write_text(yaml.safe_dump({"grants": {"register": str(register), **case.get("grants", {})}}), encoding="utf-8")
        args += ["--params", str(params)]
    if "params" in case:
        params = CORPUS / case["params"]
        assert params.is_file(), params
        values["params"] = str(params)
        args += ["--params", str(params)]
    if "missing" in case:
        params = CORPUS / case["missing"]
        assert not params.exists()
        values["params"] = str(params)
        args += ["--params", str(params)]
    if "params_generate" in case:
        gen = tmp_path / "generated_params"
        gen.mkdir()
        params = PARAMS_GENERATORS[case["params_generate"]](gen)
        values["params"] = str(params)
        args += ["--params", str(params)]
    return args, values


def _case_param(case: dict[str, Any]) -> Any:
    marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if case.get("xfail") else []
    return pytest.param(case, id=case["id"], marks=marks)


# ---------------------------------------------------------------------------
# the corpus itself


def test_corpus_is_complete() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert len(FAILING) >= 30
    for c in CASES:
        assert c["exit"] in (0, 2) and c.get("what"), c["id"]
        assert c["exit"] == 0 or c.get("message"), c["id"]
        assert c["exit"] != 0 or c.get("reconciliation"), c["id"]
        assert c.get("generate") is None or c["generate"] in GENERATORS, c["id"]
        assert c.get("params_generate") is None or c["params_generate"] in PARAMS_GENERATORS, c["id"]
    used = {c[k] for c in CASES for k in ("params", "register") if k in c}
    files = {p.relative_to(CORPUS).as_posix() for d in ("params", "grants") for p in (CORPUS / d).iterdir()}
    assert files == used, f"files no case uses: {sorted(files - used)}; cases naming missing files: {sorted(used - files)}"
    for kind in ("params-", "grants-", "data-"):
        assert sum(c["id"].startswith(kind) for c in FAILING) >= 8, kind


# ---------------------------------------------------------------------------
# failing cases


@pytest.mark.parametrize("case", [_case_param(c) for c in FAILING])
def test_bad_input_fails_cleanly(
    case: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    args, values = prepare(case, tmp_path, request)
    out = tmp_path.resolve() / "site" / "latest"
    fake_good_output(out)
    if case.get("hold_lock"):  # another build is publishing into the folder (pipeline/lock.py)
        from reviewpack.pipeline.lock import output_lock

        held = output_lock(out, wait=0)
        held.__enter__()
        request.addfinalizer(lambda: held.__exit__(None, None, None))
    before, siblings = tree(out), sorted(p.name for p in out.parent.iterdir())
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    for key, value in case.get("env", {}).items():
        monkeypatch.setenv(key, str(value))

    monkeypatch.setattr(reviewpack.pipeline.build, "make_executor", lambda *a, **k: _NoRuns(case["id"]))
    for target, value in case.get("patch", {}).items():
        monkeypatch.setattr(target, value)
    capsys.readouterr()
    try:
        code = main(args)
    except NotebookWouldRun as exc:
        pytest.fail(f"{exc}: it must be caught before any kernel starts", pytrace=False)
    captured = capsys.readouterr()
    err = captured.err

    assert "Traceback" not in err and "Traceback" not in captured.out
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, f"expected one 'error:' line on stderr, got:\n{err}"
    message = errors[0]
    for fragment in case["message"]:
        fragment = fragment.format(**values)
        assert fragment in message, f"{fragment!r} is not in the message:\n{message}"
    assert code == case["exit"], f"exit {code}, expected {case['exit']}: {message}"
    assert len(message) <= case.get("max_chars", 2000), f"the error line is {len(message)} characters long"
    assert "Published" not in captured.out
    assert tree(out) == before, "the output folder changed"
    assert sorted(p.name for p in out.parent.iterdir()) == siblings, "staging or backup folders were left behind"
    assert list(cwd.iterdir()) == [], "the build wrote into the working folder"


def test_failed_first_build_creates_no_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reviewpack.pipeline.build, "make_executor", lambda *a, **k: _NoRuns("first build"))
    site = tmp_path / "site"
    site.mkdir()
    params = CORPUS / "grants" / "non_numeric_amount.csv"
    p = tmp_path / "p.yaml"
    p.write_text(f"grants:\n  register: '{params}'\n", encoding="utf-8")
    code = main(["--project", str(ROOT), "build", "--pack", "borough", "--no-cache", "--params", str(p), "--out", str(site / "latest")])
    assert code == 2 and "row 5: Amount Awarded 'twelve hundred'" in capsys.readouterr().err
    assert list(site.iterdir()) == []


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    """``--debug`` re-raises the user error, so the traceback is there for a developer."""
    from reviewpack.errors import ParameterError

    with pytest.raises(ParameterError, match="unknown parameter 'titel'"):
        main(["--debug", "--project", str(ROOT), "build", "--pack", "borough", "--no-cache",
              "--params", str(CORPUS / "params" / "unknown_key.yaml"), "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------
# accepted inputs: a correct build that accounts for every row


@pytest.mark.slow
@pytest.mark.parametrize("case", [_case_param(c) for c in ACCEPTED])
def test_accepted_input_builds_and_reconciles(
    case: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str],
) -> None:
    args, _ = prepare(case, tmp_path, request)
    out = tmp_path.resolve() / "site" / "latest"
    code = main(args)
    err = capsys.readouterr().err
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["reconciliation"]["grants"] == case["reconciliation"]
    page = (out / "borough.html").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert case["reconciliation"] in text, "the reconciliation line is not shown in the pack"
    for fragment in case.get("html", []):
        assert fragment in text, f"{fragment!r} is not shown in the pack"


@pytest.mark.slow
def test_a_changed_register_outside_data_is_not_served_from_the_cache(
    project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """The README allows a register outside data/ (an absolute path): editing it in place must not be
    hidden by the build cache (its content, not only its path, is part of the cache keys)."""
    register = tmp_path / "register.csv"
    register.write_bytes((CORPUS / "grants" / "utf8_bom.csv").read_bytes())
    params = tmp_path / "p.yaml"
    params.write_text(f"grants:\n  register: '{register}'\n", encoding="utf-8")
    out = tmp_path / "site" / "latest"
    args = ["--project", str(project_copy), "build", "--pack", "borough", "--params", str(params), "--out", str(out)]
    assert main(args) == 0
    before = tree(out)
    register.write_bytes((CORPUS / "grants" / "negative_amount.csv").read_bytes())  # same path, new content
    capsys.readouterr()
    code = main(args)
    err = capsys.readouterr().err
    assert tree(out) == before, "the output folder changed"
    assert code == 2 and "row 5: Amount Awarded '-250' is negative" in err, err
