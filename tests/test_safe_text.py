"""Safe text: strings from data files and parameters are shown as text, never run.

One borough build (in a throw-away project copy) feeds markup and spreadsheet formulas in
through every door a user controls: the grant register (recipient, funder, title; a rejected
row, with ``grants.invalid_rows: report``), the ward-to-locality mapping (a locality and a ward
name), an IoD file (a neighbourhood name), and the parameters (a title that tries to break out of
papermill's parameter cell and out of the "Parameters used" code block; a description with
markup). The page must show every one of them as text, no script may run in Chromium, and the
CSV downloads must neutralise formula cells without touching negative numbers.

All inputs are made up (tests/bad_inputs/README.md).
"""

from __future__ import annotations

import ast
import csv
import hashlib
import html
import io
import json
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT

from reviewpack.cli import main
from reviewpack.config import read_yaml
from reviewpack.errors import ParameterError

TESTS = Path(__file__).resolve().parent
REGISTER = TESTS / "bad_inputs" / "safe_text" / "xss_register.csv"

RECIPIENTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("http://x")',
    "+SUM(1,2)",
    "-2+3",
    "-1500",
    "[click me](javascript:alert('md'))",
    'Made-up "quoted" & <b>bold</b> group',
]
REJECTED_RECIPIENT = "<b onmouseover=alert('rejected')>rejected</b>"
FUNDER = "<img src=x onerror=alert('funder')>"
LOCALITY = "West <img src=x onerror=alert('area')>"
WARD = "Bentley <script>alert('ward')</script>"
LSOA_NAME = "Walsall 015A <svg onload=alert('lsoa')>"
DESCRIPTION = "MADE-UP TEST REGISTER <script>alert('description')</script> [click](javascript:alert('desc-link'))"
EPOCH = "1700000000"


def _title(pwned: Path) -> str:
    # the injection the brief names, one that would leave a file behind, and a code-fence breakout
    return (
        f'MADE-UP TEST PACK "); import os; os.system("echo pwned"); import pathlib; pathlib.Path(r"{pwned}").touch() #'
        "\n```\n<img src=x onerror=alert('fence')>\n```"
    )


# ---------------------------------------------------------------------------
# the build


def _register_checksum(data: Path, name: str) -> None:
    manifest = data / "checksums.sha256"
    sha = hashlib.sha256((data / "raw" / name).read_bytes()).hexdigest()
    lines = [
        f"{sha}  {name}" if line.strip() and line.split(None, 1)[1].strip().lstrip("*") == name else line
        for line in manifest.read_text(encoding="utf-8").splitlines()
    ]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rewrite_csv(path: Path, change) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    header = rows[0]
    for r in rows[1:]:
        change(dict(zip(header, range(len(header)))), r)
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    _register_checksum(path.parent.parent, path.name)


@pytest.fixture(scope="module")
def safe_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("safe_text").resolve()
    project = tmp / "project"
    for part in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / part, project / part)
    raw = project / "data" / "raw"

    def mapping(col: dict[str, int], r: list[str]) -> None:
        if r[col["locality"]] == "West":
            r[col["locality"]] = LOCALITY
        if r[col["ward_code"]] == "E05001303":
            r[col["ward_name"]] = WARD

    _rewrite_csv(raw / "walsall_ward_locality.csv", mapping)

    def imd(col: dict[str, int], r: list[str]) -> None:
        if r[col["LSOA code (2021)"]] == "E01010241":
            r[col["LSOA name (2021)"]] = LSOA_NAME

    _rewrite_csv(raw / "imd2025_lsoa21_walsall.csv", imd)
    (project / "params" / "west.yaml").write_text(yaml.safe_dump({"title": "West Locality", "area": LOCALITY}), encoding="utf-8")

    pwned = tmp / "PWNED"
    title = _title(pwned)
    params = tmp / "safe.yaml"
    params.write_text(
        yaml.safe_dump({
            "title": title,
            "grants": {"register": str(REGISTER), "description": DESCRIPTION, "invalid_rows": "report"},
        }, allow_unicode=True),
        encoding="utf-8",
    )
    out = tmp / "out"
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        code = main(["--project", str(project), "build", "--pack", "borough", "--no-cache", "--params", str(params), "--out", str(out)])
    finally:
        mp.undo()
    return {"code": code, "out": out, "title": title, "pwned": pwned, "tmp": tmp}


@pytest.fixture(scope="module")
def built(safe_build: dict[str, Any]) -> dict[str, Any]:
    assert safe_build["code"] == 0, "the safe-text build failed (see the captured stderr)"
    return safe_build


class _Page(HTMLParser):
    """Every start tag with its attributes, and the text a reader sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _live_markup(page: _Page) -> list[str]:
    found = []
    for tag, attrs in page.tags:
        if tag in ("script", "iframe", "object", "embed", "base", "form"):
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "xlink:href") and value and re.match(r"\s*(javascript|vbscript):", value, re.I):
                found.append(f"<{tag} {name}={value!r}>")
            if tag == "img" and name == "src" and value and not value.startswith("data:"):
                found.append(f"<img src={value!r}>")
    return found


# ---------------------------------------------------------------------------
# HTML


@pytest.mark.slow
def test_build_accounts_for_every_row(built: dict[str, Any]) -> None:
    manifest = json.loads((built["out"] / "manifest.json").read_text(encoding="utf-8"))
    line = manifest["reconciliation"]["grants"]
    assert line.startswith("xss_register.csv: 9 grants")
    assert "= 8 placed in a locality (£20,200.00) + 0 not placed (£0.00) + 1 rejected (£0.00)" in line
    text = "".join(_parse(built["out"] / "borough.html").text)
    assert line in text


@pytest.mark.slow
@pytest.mark.parametrize("name", ["borough.html", "index.html"])
def test_data_strings_are_shown_as_text_not_markup(built: dict[str, Any], name: str) -> None:
    page = _parse(built["out"] / name)
    assert _live_markup(page) == []
    text = "".join(page.text)
    shown = [built["title"].splitlines()[0]]
    if name == "borough.html":
        shown += RECIPIENTS + [REJECTED_RECIPIENT, FUNDER, LOCALITY, WARD, LSOA_NAME, DESCRIPTION]
    for s in shown:
        assert s in text, f"{s!r} is not shown as text on {name}"


@pytest.mark.slow
def test_top_recipients_table_names_the_recipients(built: dict[str, Any]) -> None:
    with open(built["out"] / "tables" / "borough" / "top_recipients.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    got = [r["recipient"] for r in rows]
    # formula-like names are neutralised with a leading apostrophe; numbers and other text are left alone
    expected = ["'" + r if r[0] in "=+@" or (r[0] == "-" and not re.fullmatch(r"-\d+", r)) else r for r in RECIPIENTS]
    assert got == expected
    assert "'@cmd" in [r["recipient_id"] for r in rows]


@pytest.mark.slow
def test_parameters_reach_the_notebook_as_values(built: dict[str, Any]) -> None:
    assert not built["pwned"].exists(), "a parameter value was run as code in the notebook"
    page = _parse(built["out"] / "borough.html")
    h1 = re.search(r"<h1>(.*?)</h1>", (built["out"] / "borough.html").read_text(encoding="utf-8"), re.S)
    assert h1 and html.unescape(h1.group(1)) == built["title"]
    # the "Parameters used" block shows the title as YAML text, code fence and all
    assert "<img src=x onerror=alert('fence')>" in "".join(page.text)


# ---------------------------------------------------------------------------
# CSV

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@pytest.mark.slow
def test_csv_cells_cannot_run_as_formulas(built: dict[str, Any]) -> None:
    tables = sorted((built["out"] / "tables").rglob("*.csv"))
    assert len(tables) > 10
    negatives = 0
    for path in tables:
        with open(path, newline="", encoding="utf-8") as fh:
            for lineno, row in enumerate(csv.reader(fh), start=1):
                for cell in row:
                    if cell.startswith(_FORMULA):
                        assert _NUMBER.fullmatch(cell), f"{path.name} line {lineno}: formula cell {cell!r}"
                        negatives += cell.startswith("-")
    assert negatives > 0, "no negative number found in any CSV: the test does not show they are left alone"


def test_neutralise_csv_cell_unit() -> None:
    import pandas as pd

    from reviewpack.present.tables import neutralise_csv_cell, table_csv

    for formula in ("=1+2", "+SUM(1,2)", "-2+3", "@cmd", "=HYPERLINK(\"http://x\")", "\t=1", "\r=1", "-", "+"):
        assert neutralise_csv_cell(formula) == "'" + formula
    for value in ("-1500", "-12.5", "+3", "1e-5", "-1.5E3", "plain text", "", "'already"):
        assert neutralise_csv_cell(value) == value
    assert neutralise_csv_cell(-7) == -7 and neutralise_csv_cell(-0.25) == -0.25
    frame = pd.DataFrame({"name": ["=cmd", "ok", None], "change": [-5, 3, -1], "pct": [-0.5, 1.0, float("nan")]})
    text = table_csv(frame)
    assert text.splitlines() == ["name,change,pct", "'=cmd,-5,-0.5", "ok,3,1.0", ",-1,"]


# ---------------------------------------------------------------------------
# browser


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("name", ["borough.html", "index.html"])
def test_no_script_runs_in_the_browser(built: dict[str, Any], name: str, browser: Any) -> None:
    sys.path.insert(0, str(TESTS / "browser"))
    import harness

    report = harness.check_page(built["out"] / name, built["tmp"] / "shots", browser=browser, run_axe=False)
    assert report.alerts == [], report.alerts
    assert report.script_sinks == [] and report.script_count == 0, report.script_sinks
    assert report.page_errors == [] and report.external_requests == []
    assert report.blocked_file_requests == [] and report.local_file_requests == []


# ---------------------------------------------------------------------------
# YAML and parameters: values, never code


def test_yaml_python_tags_are_refused(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    path = tmp_path / "evil.yaml"
    path.write_text(f'title: !!python/object/apply:os.system ["touch {pwned}"]\n', encoding="utf-8")
    with pytest.raises(ParameterError, match="is not valid YAML at line 1"):
        read_yaml(path)
    assert not pwned.exists()


def test_sources_register_python_tag_is_refused(tmp_path: Path) -> None:
    from reviewpack.errors import DataFileError
    from reviewpack.ingest.register import load_register

    pwned = tmp_path / "PWNED"
    (tmp_path / "sources.yaml").write_text(f'sources: !!python/object/apply:os.system ["touch {pwned}"]\n', encoding="utf-8")
    with pytest.raises(DataFileError, match="sources.yaml' is not valid YAML at line 1"):
        load_register(tmp_path)
    assert not pwned.exists()


def test_no_unsafe_yaml_loader_in_the_package() -> None:
    unsafe = re.compile(r"yaml\.(load|load_all|unsafe_load|full_load)\s*\(|(Full|Unsafe)?Loader\b(?!\w)")
    src = ROOT / "src" / "reviewpack"
    hits = [f"{p.name}:{n}: {line.strip()}" for p in sorted(src.rglob("*.py"))
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
            if unsafe.search(line) and "SafeLoader" not in line and "CSafeLoader" not in line]
    assert hits == []


def test_papermill_injects_parameters_as_literals(tmp_path: Path) -> None:
    """What papermill writes into the parameters cell is data: only assignments of literals."""
    from papermill.translators import PythonTranslator

    title = _title(tmp_path / "PWNED")
    tricky = [title, '\\"); x = 1 #', "'''", '"""', "\\", "\n", "\u2028", "{}", "%s", "</script>"]
    params = {"pack": "borough", "params": {"title": title, "grants": {"description": tricky}, "n": 3, "none": None}}
    code = PythonTranslator.codify(params)
    tree = ast.parse(code)
    values = {}
    for node in tree.body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name), ast.dump(node)
        values[node.targets[0].id] = ast.literal_eval(node.value)
    assert values == params


def test_parameters_block_cannot_be_closed_by_a_value(tmp_path: Path) -> None:
    from nbconvert.filters.markdown import markdown2html

    from reviewpack.present.narrative.methodology import notes_markdown

    for title in (_title(tmp_path / "PWNED"), "a\n````\n<img src=x onerror=alert(1)>\n````", "x\n~~~\n<script>alert(1)</script>"):
        rendered = markdown2html(notes_markdown(ROOT / "data", {"title": title}, []))
        page = _Page()
        page.feed(rendered)
        assert _live_markup(page) == [], rendered
