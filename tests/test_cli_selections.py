"""`reviewpack build --grouping` / `--national`, `reviewpack list --grouping` / `--national`, and where made-up data is published."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest
from conftest import RAW, ROOT

from reviewpack.cli import main
from reviewpack.pipeline.plan import default_out_dir, plan_build


def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))


def test_default_output_folders(root: Path) -> None:
    assert default_out_dir(root) == root / "reports" / "latest"
    assert default_out_dir(root, grouping="area_partnership") == root / "reports" / "area_partnership"
    assert default_out_dir(root, national=["E06000001"]) == root / "reports" / "national"


def test_illustrative_register_never_lands_in_latest(root: Path) -> None:
    plan = plan_build(root, packs=["borough"], extra_params=[root / "params" / "examples" / "area_partnership_illustrative.yaml"])
    assert plan.out_dir == root / "reports" / "illustrative"
    # asked for by name, it goes where it is told
    plan = plan_build(root, packs=["borough"], extra_params=[root / "params" / "examples" / "area_partnership_illustrative.yaml"],
                      out_dir=root / "reports" / "latest")
    assert plan.out_dir == root / "reports" / "latest"


def test_grouping_plan_has_the_borough_and_one_pack_per_area(root: Path) -> None:
    plan = plan_build(root, grouping="area_partnership")
    with open(RAW / "walsall_ward_locality.csv", newline="", encoding="utf-8-sig") as fh:
        areas = sorted({row["area_partnership_name"] for row in csv.DictReader(fh)})
    assert len(areas) == 6
    assert list(plan.packs)[0] == "borough"
    assert [p.area for p in list(plan.packs.values())[1:]] == areas
    assert plan.out_dir == root / "reports" / "area_partnership"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["build", "--grouping", "parish"], "Unknown grouping 'parish'. Valid groupings (groupings.options in params): locality, area_partnership; "
         "built in: ward (every ward its own area)."),
        (["build", "--national", "E99999999"], "Unknown local authority code(s) E99999999: not in the national lookup of 296"),
        (["build", "--grouping", "locality", "--national", "E06000001"], "Use --grouping or --national, not both"),
        (["build", "--national", "E06000001", "--pack", "north"], "Unknown pack(s) north for this build. Valid packs: e06000001."),
        (["list", "--grouping", "parish"], "Unknown grouping 'parish'."),
    ],
)
def test_bad_selection_is_a_clear_error(args: list[str], fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    extra = ["--out", str(out)] if args[0] == "build" else []
    code = main(["--project", str(ROOT), *args, *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and fragment in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_list_national_and_grouping(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(ROOT), "list", "--national"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 296
    assert "E08000030  Walsall" in lines
    assert main(["--project", str(ROOT), "list", "--grouping", "area_partnership"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 7 and lines[0].startswith("borough")


@pytest.mark.slow
def test_national_build_publishes_a_pack_per_council(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "national"
    code = main(["--project", str(ROOT), "build", "--national", "E06000001", "--national", "E08000025",
                 "--out", str(out), "--jobs", "2", "--no-cache"])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.glob("*.html")) == ["e06000001.html", "e08000025.html", "index.html"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    checks = manifest["reconciliation"]["by_local_authority"]
    assert sorted(checks) == ["E06000001", "E08000025"]
    # independent counts from the ONS lookup: LSOAs and wards of each council
    import gzip

    with gzip.open(RAW / "lsoa21_ward24_lad24_lookup_england.csv.gz", "rt", encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["LAD24CD"] in checks]
    for code, check in checks.items():
        mine = [r for r in rows if r["LAD24CD"] == code]
        assert check["lsoa21_one_area_each"] == {"lsoas": len(mine), "areas": len({r["WD24CD"] for r in mine})}
    assert checks["E06000001"]["lsoa21_one_area_each"]["lsoas"] == 57
    hartlepool, birmingham = (out / "e06000001.html").read_text(encoding="utf-8"), (out / "e08000025.html").read_text(encoding="utf-8")
    assert "<title>Hartlepool: borough overview — Hartlepool review pack</title>" in hartlepool
    assert "<title>Birmingham: borough overview — Birmingham review pack</title>" in birmingham
    assert '<p class="kicker">Birmingham scrutiny review pack</p>' in birmingham
    # every council's overview gets Census demand and the England / region / neighbours comparison (issue 15),
    # IoD2025 weighted by Census 2021 (no File 7 rows for them in the project), and says so
    for page_text in (hartlepool, birmingham):
        assert "Demand beyond age" in page_text and "Compared with England and councils like us" in page_text
        assert "IoD2025, Census 2021 residents" in page_text
    bham = (out / "tables" / "e08000025" / "benchmark_neighbours.csv").read_text(encoding="utf-8").splitlines()
    assert len(bham) == 16 and "E08000025" not in "".join(bham[1:])
    index = _text(out / "index.html")
    assert "One borough overview for each of 2 local authorities, each with its wards side by side." in index
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="e06000001.html">Hartlepool</a>' in page and '<a href="e08000025.html">Birmingham</a>' in page
    assert "Borough overview" not in page



def test_the_data_line_follows_the_parameters(root: Path) -> None:
    from reviewpack.config import load_pack_params, national_pack_params
    from reviewpack.pipeline.page import data_vintages

    with open(RAW / "population_lsoa_walsall_broadage_panel.csv", newline="", encoding="utf-8") as fh:
        years = sorted({int(r["mid_year"]) for r in csv.DictReader(fh)})
    assert (years[0], years[-1]) == (2012, 2020)
    assert data_vintages(root, load_pack_params(root, "north")) == (
        "IoD 2015, 2019, 2025; population mid-2012 to mid-2020; Census 2021; mid-2022 (IoD2025 File 7)"
    )
    assert data_vintages(root, national_pack_params(root, ["E06000001"])["e06000001"]) == "IoD 2025; Census 2021"


def test_names_and_codes_in_either_case(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`--pack North` and `--national e06000001` mean the same as their canonical spelling."""
    import reviewpack.pipeline.plan
    from reviewpack.errors import ParameterError

    seen = {}

    def fake_plan(**kw):
        seen.update(kw)
        raise ParameterError("stop here")

    monkeypatch.setattr(reviewpack.pipeline.plan, "plan_build", fake_plan)
    main(["--project", str(ROOT), "build", "--pack", "North", "--out", str(tmp_path / "a")])
    assert seen["packs"] == ["north"]
    main(["--project", str(ROOT), "build", "--national", "e06000001", "--national", "ALL", "--out", str(tmp_path / "b")])
    assert seen["national"] == ["E06000001", "all"]
