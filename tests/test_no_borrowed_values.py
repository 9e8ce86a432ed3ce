"""Nothing borrowed from another council (issue 14, items 1-2): Walsall's values live in Walsall's
params, never as code defaults; no allocation budget unless one is given; another council's packs
never say "Walsall"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from reviewpack.config import load_pack_params
from reviewpack.config.models import Allocation, Geography, Grants, Population
from reviewpack.errors import ParameterError

ROOT = Path(__file__).resolve().parents[1]
TESTDATA = Path(__file__).resolve().parent / "data"


def test_code_defaults_are_neutral() -> None:
    g = Grants.model_validate({"register": "r.csv", "description": "d", "placement_note": "p"})
    assert (g.population_year, g.deprivation_edition, g.budget_per_area_partnership_gbp, g.budget_grouping) == (None, None, None, None)
    assert g.allocation.budget_gbp is None and g.postcode_lookup is None
    p = Population.model_validate({"census2021": "c.csv"})
    assert (p.estimate_years, p.baseline_year) == ([], None)
    geo = Geography.model_validate({})
    assert (geo.grouping, geo.grouping_label) == ("area", "Area")
    assert Allocation.model_validate({}).budget_gbp is None


def test_walsall_values_are_in_walsall_params(root: Path) -> None:
    params = load_pack_params(root, "borough")
    g = params.grants
    assert g is not None
    assert (g.population_year, g.deprivation_edition, g.budget_per_area_partnership_gbp, g.budget_grouping) == (2015, 2015, 40000, "area_partnership")
    assert g.allocation.budget_gbp == 240000  # the six partnerships' £40,000 added up, written in params/defaults.yaml
    assert (params.population.estimate_years, params.population.baseline_year) == ([2014], 2014)
    assert g.postcode_lookup == "raw/postcode_lsoa21_walsall_derived.csv"


def test_a_programme_with_financial_years_needs_its_budget(project_copy: Path) -> None:
    extra = project_copy / "programme.yaml"
    extra.write_text(
        "grants: {area_partnership_programme: true, financial_years: ['2014/15'], budget_per_area_partnership_gbp: null, budget_grouping: null}\n",
        encoding="utf-8",
    )
    with pytest.raises(ParameterError) as err:
        load_pack_params(project_copy, "borough", [extra])
    assert "grants.area_partnership_programme with grants.financial_years compares spend with budgets: give " \
        "grants.budget_per_area_partnership_gbp and grants.budget_grouping" in str(err.value)


def _grants_section(**grants: object):
    from reviewpack.analysis.sections.grants import GrantsSection

    section = object.__new__(GrantsSection)
    base = {"register": "r.csv", "description": "d", "placement_note": "p"}
    section.params = Grants.model_validate({**base, **grants})  # type: ignore[assignment]
    return section


def test_no_budget_unless_given() -> None:
    assert not _grants_section().has_allocation_budget()
    with pytest.raises(ParameterError, match=r"^No budget to split: set grants.allocation.budget_gbp"):
        _grants_section().allocation_budget()
    assert _grants_section(allocation={"budget_gbp": 1000}).allocation_budget() == 1000.0
    # an area partnership programme's own budgets count only when given
    assert not _grants_section(area_partnership_programme=True).has_allocation_budget()
    assert _grants_section(area_partnership_programme=True, budget_per_area_partnership_gbp=5, budget_grouping="ap").has_allocation_budget()
    # a budget per partnership alone is not a programme
    assert not _grants_section(budget_per_area_partnership_gbp=5, budget_grouping="ap").has_allocation_budget()


# -- another council, end to end ---------------------------------------------------------------------

HARTLEPOOL_GRANTS = """\
grants:
  register: raw/hartlepool_test_register.csv
  description: TEST DATA - made-up grants to check another council's pack.
  placement_note: Grants are placed by the ward code, the LSOA code or the postcode the register gives.
  illustrative: true
  postcode_lookup: raw/nspl_format_test.csv
  invalid_rows: report
"""


@pytest.fixture(scope="module")
def hartlepool_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hartlepool (E06000001) built with --national and a made-up register placed by ward code, LSOA code and postcode."""
    from reviewpack.cli import main

    project = tmp_path_factory.mktemp("hartlepool")
    for part in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / part, project / part)
    shutil.copy(TESTDATA / "postcodes" / "nspl_format_test.csv", project / "data" / "raw" / "nspl_format_test.csv")
    header = (
        "Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,"
        "Recipient Org:Postal Code,Beneficiary Location:Geographic Code,Funding Org:Identifier,Funding Org:Name"
    )
    rows = [
        "T-1,t,d,GBP,1000,2022-05-01,GB-X-1,Org 1,,E05013049,GB-F,Test funder",  # ward code (Victoria)
        "T-2,t,d,GBP,2000,2022-05-01,GB-X-2,Org 2,,E01011961,GB-F,Test funder",  # LSOA code (Rossmere)
        "T-3,t,d,GBP,3000,2022-05-01,GB-X-3,Org 3,TS25 1XY,,GB-F,Test funder",  # postcode (Burn Valley)
        "T-4,t,d,GBP,4000,2022-05-01,GB-X-4,Org 4,TS24 7AA,,GB-F,Test funder",  # postcode (Headland & Harbour)
        "T-5,t,d,GBP,5000,2022-05-01,GB-X-5,Org 5,WS1 1AA,,GB-F,Test funder",  # postcode in another council: not placed
    ]
    (project / "data" / "raw" / "hartlepool_test_register.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    with open(project / "data" / "sources.yaml", "a", encoding="utf-8") as fh:
        for name in ("hartlepool_test_register.csv", "nspl_format_test.csv"):
            fh.write(f"  - file: {name}\n    title: TEST DATA ({name})\n    publisher: tests\n    release: test\n    licence: test data\n    topic: grants\n")
    (project / "grants.yaml").write_text(HARTLEPOOL_GRANTS, encoding="utf-8")
    out = project / "reports" / "national"
    code = main(["--project", str(project), "build", "--national", "E06000001", "--params", str(project / "grants.yaml"), "--out", str(out), "--no-cache"])
    assert code == 0
    return out


def test_another_councils_pack_never_says_walsall(hartlepool_build: Path) -> None:
    files = [p for p in hartlepool_build.rglob("*") if p.suffix in (".html", ".csv", ".json")]
    assert any(p.name == "manifest.json" for p in files) and any(p.name == "e06000001.html" for p in files)
    assert len([p for p in files if p.suffix == ".csv"]) > 10
    said = [str(p.relative_to(hartlepool_build)) for p in files if "walsall" in p.read_text(encoding="utf-8").lower()]
    assert said == []


def test_another_councils_grants_are_placed_and_no_budget_is_invented(hartlepool_build: Path) -> None:
    html = (hartlepool_build / "e06000001.html").read_text(encoding="utf-8")
    assert "Rows placed by ward code: 1; by LSOA code: 1; by postcode: 2; not placed (or rejected): 1." in html
    assert "No budget was given to split (grants.allocation.budget_gbp)" in html
    assert "240,000" not in html and not (hartlepool_build / "tables" / "e06000001" / "allocation_model.csv").exists()
    by_ward = pd.read_csv(hartlepool_build / "tables" / "e06000001" / "grants_by_ward.csv").set_index("ward")
    placed = by_ward.loc[by_ward["amount_awarded_gbp"] > 0, "amount_awarded_gbp"].to_dict()
    assert placed == {"Burn Valley": 3000.0, "Headland & Harbour": 4000.0, "Rossmere": 2000.0, "Victoria": 1000.0}
    manifest = json.loads((hartlepool_build / "manifest.json").read_text(encoding="utf-8"))
    assert "walsall" not in json.dumps(manifest).lower()
