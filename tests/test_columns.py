"""The column registry: every published column has a label, unit, format and description, and a
pack's CSVs are described by a Frictionless Data Package that validates against the real files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reviewpack.present.columns import (
    COLUMNS,
    ColumnContext,
    UnknownColumnError,
    column,
    formats_for,
    labels_for,
    table_schema,
)
from reviewpack.present.datapackage import csv_header, datapackage

GOLDEN = Path(__file__).parent / "golden"
PACKS = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
AREAS = ("East", "North", "South", "West")


def _context(pack: str) -> ColumnContext:
    """The context of a default Walsall pack (what ``present.sections._table.context`` gives for the
    pack's scope, with the grant analysis' population year and IoD edition)."""
    return ColumnContext(
        la_name="Walsall", grouping="locality", grouping_label="Locality",
        area_label="Walsall" if pack == "borough" else pack.title(), population_year="mid-2015", edition=2015,
        areas=(*AREAS, "Walsall"),
    )


def _tables(pack: str) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted((GOLDEN / pack).glob("*.csv"))}


@pytest.mark.parametrize("pack", PACKS)
def test_every_golden_column_has_a_registry_entry(pack: str) -> None:
    missing = []
    for name, text in _tables(pack).items():
        for col in csv_header(text):
            try:
                entry = column(col, _context(pack), name)
            except UnknownColumnError as exc:
                missing.append(str(exc))
                continue
            assert entry.label and entry.description and entry.type in ("integer", "number", "string", "boolean", "date")
            assert "{" not in entry.label, f"{name}.{col}: unfilled label {entry.label!r}"
    assert missing == []


def test_every_registry_entry_is_complete() -> None:
    for name, col in COLUMNS.items():
        assert col.name == name
        assert col.label.strip() and col.description.strip(), name
        assert not col.description.endswith("."), f"{name}: one line, no full stop"


def _write_package(pack: str, folder: Path) -> Path:
    tables = _tables(pack)
    for name in tables:
        shutil.copy(GOLDEN / pack / f"{name}.csv", folder / f"{name}.csv")
    titles = {name: f"Table {name}" for name in tables}
    descriptor = datapackage(pack, tables, _context(pack), titles)
    path = folder / "datapackage.json"
    path.write_text(json.dumps(descriptor, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("pack", ["north", "borough"])
def test_golden_tables_make_a_valid_data_package(pack: str, tmp_path: Path) -> None:
    from frictionless import validate

    path = _write_package(pack, tmp_path)
    report = validate(str(path))
    problems = [f"{t.name}: {e.message}" for t in report.tasks for e in t.errors] + [e.message for e in report.errors]
    assert report.valid, "\n".join(problems[:20])
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    assert descriptor["profile"] == "tabular-data-package" and descriptor["name"] == pack
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert set(resources) == set(_tables(pack))
    pop = resources["population_by_locality"]
    assert pop["path"] == "population_by_locality.csv" and pop["title"] == "Table population_by_locality"
    assert (pop["format"], pop["mediatype"], pop["encoding"]) == ("csv", "text/csv", "utf-8")
    fields = {f["name"]: f for f in pop["schema"]["fields"]}
    assert fields["year"]["type"] == "integer"
    assert fields["estimated"]["type"] == "boolean"
    assert fields["estimated"]["trueValues"] == ["True"] and fields["estimated"]["falseValues"] == ["False"]
    assert fields["share_of_borough_pct"]["title"] == "Share of Walsall (%)" and fields["share_of_borough_pct"]["unit"] == "percent"
    assert fields["locality"]["title"] == "Locality" and fields["locality"]["type"] == "string"
    lsoa = {f["name"]: f for f in resources["neighbourhood_deciles"]["schema"]["fields"]}
    assert lsoa["lsoa_code"]["type"] == "string"
    money = {f["name"]: f for f in resources["grants_by_locality"]["schema"]["fields"]}
    assert money["amount_awarded_gbp"]["unit"] == "GBP" and money["population"]["title"] == "Residents (mid-2015)"


def test_a_wrong_type_fails_validation(tmp_path: Path) -> None:
    """The validation above has teeth: a column typed wrongly is reported."""
    from frictionless import validate

    path = _write_package("north", tmp_path)
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    for field in descriptor["resources"][0]["schema"]["fields"]:  # age_profile: age, borough_pct, area_pct
        if field["name"] == "borough_pct":
            field["type"] = "integer"
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    assert not validate(str(path)).valid


def test_label_templates_fill_from_the_context() -> None:
    ctx = ColumnContext(la_name="Walsall", grouping="area_partnership", grouping_label="Area partnership",
                        area_label="North", population_year="mid-2015", edition=2019, areas=("AP1", "Walsall"))
    assert column("share_of_borough_pct", ctx).label == "Share of Walsall (%)"
    assert column("borough_pct", ctx).label == "Walsall (%)"
    assert column("area_pct", ctx).label == "North (%)"
    assert column("area_partnership", ctx, "population_by_area_partnership").label == "Area partnership"
    assert column("locality", ctx).label == column("area", ctx).label == "Area partnership"
    assert column("population", ctx, "grants_by_area_partnership").label == "Residents (mid-2015)"
    assert column("population", ctx, "population_by_area_partnership").label == "Residents"
    assert column("deprivation_rank", ctx, "concentration_curve").label == "Average IMD score (IoD2019)"
    assert column("area", ctx, "la_summary_measures").label == "Area"
    assert column("AP1", ctx, "domain_profile").label == "AP1"
    assert formats_for(["AP1", "domain_label"], ctx, "domain_profile") == {"AP1": "{:.1f}"}
    assert labels_for(["year", "estimated"], ctx, "population_growth") == {"year": "Year", "estimated": "Involves an estimate"}
    sha = formats_for(["sha256"])["sha256"]
    assert callable(sha) and sha("0123456789abcdef" * 4) == "0123456789abcdef…"
    national = ColumnContext(la_name="Hartlepool", grouping="ward", grouping_label="Ward")
    assert column("ward", national, "population_by_ward").label == "Ward"
    schema = table_schema(["ward", "year"], national, "population_by_ward")
    assert [f["title"] for f in schema["fields"]] == ["Ward", "Year"]


def test_a_label_needing_a_missing_value_says_so() -> None:
    with pytest.raises(UnknownColumnError, match=r"share_of_borough_pct.*\{la_name\}"):
        column("share_of_borough_pct", ColumnContext())


def test_an_unknown_column_raises_naming_column_and_table() -> None:
    with pytest.raises(UnknownColumnError, match=r"'mystery_pct' of table 'population_by_locality'"):
        labels_for(["year", "mystery_pct"], _context("north"), "population_by_locality")
    with pytest.raises(UnknownColumnError, match="mystery"):
        datapackage("north", {"extra": "year,mystery\n2021,1\n"}, _context("north"))
    # an area name is a column only of a wide table of areas
    with pytest.raises(UnknownColumnError, match="'North' of table 'population_by_locality'"):
        column("North", _context("north"), "population_by_locality")
