"""The column registry: label, unit, number format and description of every published column.

One place says, for each column a pack publishes (in its HTML tables and its CSVs), the header a
reader sees, its unit, how its numbers are formatted and what it holds. :func:`labels_for` and
:func:`formats_for` give :func:`~reviewpack.present.tables.table_html` what it needs, and
:func:`table_schema` describes a CSV as a Frictionless Table Schema
(:mod:`reviewpack.present.datapackage`).

Some labels depend on the pack, e.g. ``"Share of {la_name} (%)"``: they are templates whose named
placeholders (``{la_name}``, ``{grouping_label}``, ``{area_label}``, ``{population_year}``,
``{edition}``) are filled from a :class:`ColumnContext`. The area column is named after the pack's
grouping (``locality``, ``area_partnership``, ``ward``…): the registry resolves the grouping
column, ``locality`` and ``area`` to the ``area`` entry. A few tables show a column under another
label (e.g. ``amount_awarded_gbp`` is "Actual (£)" in the fair-share table); those variants are
listed per table. A column the registry does not know raises :class:`UnknownColumnError`, so the
registry stays complete.
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import ReviewpackError
from .tables import CellFormat

__all__ = [
    "Column", "ColumnContext", "UnknownColumnError", "COLUMNS", "TABLE_COLUMNS", "AREA_VALUE_COLUMNS",
    "column", "labels_for", "formats_for", "table_schema", "short_sha256",
]

#: Table Schema field types the registry uses.
FieldType = Literal["integer", "number", "string", "boolean", "date"]

#: Column names that always mean "the area" (besides the pack's grouping column).
AREA_ALIASES = ("area", "locality")


class UnknownColumnError(ReviewpackError, LookupError):
    """A published column has no entry in the column registry (a programming error: add one)."""


@dataclass(frozen=True)
class Column:
    """What the registry knows about one published column.

    Attributes
    ----------
    name : str
        The column's name in the tidy table and its CSV.
    label : str
        The header shown in HTML, with units, e.g. ``"Residents"``; may hold placeholders
        (``{la_name}``…) until resolved with :func:`column`.
    unit : str or None
        The unit as data, for the Table Schema (``"persons"``, ``"percent"``, ``"GBP"``…).
    format : str or callable or None
        Number format for HTML (``"{:,.1f}"``, or a function); ``None`` for the default.
    description : str
        One line on what the column holds.
    type : str
        Table Schema type: ``integer``, ``number``, ``string``, ``boolean`` or ``date``.
    """

    name: str
    label: str
    unit: str | None
    format: CellFormat | None
    description: str
    type: FieldType = "number"


@dataclass(frozen=True)
class ColumnContext:
    """The pack-dependent values column labels are filled from.

    Attributes
    ----------
    la_name : str, optional
        The local authority's name (``{la_name}``), e.g. ``"Walsall"``.
    grouping : str, optional
        The pack's area column (e.g. ``"locality"``); resolved to the ``area`` entry.
    grouping_label : str, optional
        Human name of the grouping (``{grouping_label}``), e.g. ``"Locality"``.
    area_label : str, optional
        What the pack covers (``{area_label}``): the area's name, or the borough's.
    population_year : str, optional
        The grant analysis' residents, as named (``{population_year}``): ``mid-2015``, ``Census 2021``.
    edition : int or str, optional
        The grant analysis' IoD edition (``{edition}``), e.g. ``2015``.
    areas : tuple of str
        Area names (and the borough's) that appear as columns of a wide table.
    """

    la_name: str | None = None
    grouping: str | None = None
    grouping_label: str | None = None
    area_label: str | None = None
    population_year: int | str | None = None
    edition: int | str | None = None
    areas: tuple[str, ...] = ()



def short_sha256(value: object) -> str:
    """A checksum shortened for a table cell: the first 16 hex digits and an ellipsis."""
    return str(value)[:16] + "…"


def _bm_value(value: object) -> str:
    """A benchmark value whose unit differs by row: a proportion (below 1) to 4 decimals, else 2."""
    v = float(value)  # type: ignore[arg-type]
    return f"{v:.4f}" if abs(v) < 1 else f"{v:,.2f}"


def _c(label: str, type_: FieldType, unit: str | None, fmt: CellFormat | None, description: str) -> Column:
    return Column("", label, unit, fmt, description, type_)


_D1, _D2, _P0, _G0, _G2 = "{:.1f}", "{:.2f}", "{:,.0f}", "{:,.0f}", "{:,.2f}"
_PCT, _GBP, _PERSONS, _LSOAS = "percent", "GBP", "persons", "neighbourhoods"

#: Every published column, by name (the area column under ``area``).
COLUMNS: dict[str, Column] = {name: dataclasses.replace(col, name=name) for name, col in {
    # --- areas, years, population -------------------------------------------------------------
    "area": _c("{grouping_label}", "string", None, None, "The area (the pack's grouping of wards), or the borough total"),
    "area_partnership": _c("Area partnership", "string", None, None, "The area partnership (the council's earlier grouping of wards)"),
    "year": _c("Year", "integer", "year", "{:d}", "Year of the population figure (mid-year estimate, or Census 2021; mid-2022 is the ONS estimate the IoD2025 used as its denominators, from File 7, where the pack has it)"),
    "age_band": _c("Age band", "string", None, None, "Age band: all ages, 0-15, 16-64 or 65+; a year from the IoD2025 denominators (mid-2022) has the IoD's own bands instead, 0-15, 18-66 and 60+, which overlap and do not add up to all ages"),
    "population": _c("Residents", "number", _PERSONS, None, "Residents (usual residents, or a mid-year estimate; an interpolated year is rounded to whole residents)"),
    "share_of_borough_pct": _c("Share of {la_name} (%)", "number", _PCT, _D1, "The area's share of the borough's residents in the same year and age band (rounded to 1 decimal place in the population table)"),
    "estimated": _c("Estimated", "boolean", None, None, "True when the figure is a linear interpolation between data years"),
    "measures": _c("Compares", "string", None, None, "What a step compares: mid-year estimates, an interpolated year, Census against a mid-year estimate, or mid-year estimates of different series"),
    "from_year": _c("From", "integer", "year", "{:d}", "First year of the step"),
    "to_year": _c("To", "integer", "year", "{:d}", "Last year of the step"),
    "population_from": _c("Residents (from)", "number", _PERSONS, _P0, "Residents (all ages) in the first year"),
    "population_to": _c("Residents (to)", "number", _PERSONS, _P0, "Residents (all ages) in the last year"),
    "change": _c("Change (people)", "number", _PERSONS, "{:+,.0f}", "Change in residents between the two years"),
    "change_pct": _c("Change (%)", "number", _PCT, "{:+.1f}", "Change in residents as a percentage of the first year"),
    "child_dependency_per_100": _c("Children 0-15 per 100 aged 16-64", "number", "per 100 aged 16-64", _D1, "Residents aged 0-15 per 100 residents aged 16-64"),
    "old_age_dependency_per_100": _c("Aged 65+ per 100 aged 16-64", "number", "per 100 aged 16-64", _D1, "Residents aged 65 and over per 100 residents aged 16-64"),
    "age": _c("Age (90 = 90+)", "integer", "years", "{:d}", "Single year of age (90 = 90 and over)"),
    "borough_pct": _c("{la_name} (%)", "number", _PCT, _D2, "Share of the borough's residents at this age"),
    "area_pct": _c("{area_label} (%)", "number", _PCT, _D2, "Share of the area's residents at this age"),
    # --- demand beyond age (Census 2021 topics) -------------------------------------------------
    "census_table": _c("Census table", "string", None, None, "The Census 2021 topic summary the measure is from (e.g. TS038 Disability)"),
    "demand_measure": _c("Measure code", "string", None, None, "Short code of the Census measure"),
    "demand_label": _c("Measure", "string", None, None, "What is counted, as a share of all residents or of all households"),
    "census_unit": _c("Counted", "string", None, None, "Whether the measure counts persons (usual residents) or households"),
    "census_count": _c("Count", "integer", "persons or households", _P0, "Residents or households with the characteristic (Census 2021; perturbed, so small counts are approximate)"),
    "census_total": _c("Total", "integer", "persons or households", _P0, "All residents or households in the Census table (the denominator)"),
    "census_pct": _c("Share (%)", "number", _PCT, _D1, "Count as a percentage of the total"),
    "ci_lower_pct": _c("95% CI lower (%)", "number", _PCT, _D1, "Lower limit of the 95% Wilson score confidence interval of the share"),
    "ci_upper_pct": _c("95% CI upper (%)", "number", _PCT, _D1, "Upper limit of the 95% Wilson score confidence interval of the share"),
    "la_pct": _c("{la_name} (%)", "number", _PCT, _D1, "The same share for the whole borough"),
    "vs_la": _c("Compared with {la_name}", "string", None, None, "higher / similar / lower than the borough: the area's 95% interval against the borough's share (empty for the borough)"),
    "england_pct": _c("England (%)", "number", _PCT, _D1, "The same share for England (empty when no England file is configured)"),
    "vs_england": _c("Compared with England", "string", None, None, "higher / similar / lower than England: the 95% interval against England's share"),
    # --- deprivation ---------------------------------------------------------------------------
    "imd_vintage": _c("IoD edition", "string", None, None, "English Indices of Deprivation edition, e.g. IoD2019"),
    "quintile": _c("Quintile (1 = most deprived)", "integer", None, "{:d}", "Within-borough IMD quintile of neighbourhoods (1 = the borough's most deprived fifth)"),
    "residents": _c("Residents", "number", _PERSONS, None, "Residents (the population base of the IoD edition)"),
    "share_of_quintile_pct": _c("Share of quintile (%)", "number", _PCT, _D1, "Share of the quintile's residents who live in the area (each quintile sums to 100)"),
    "lsoas": _c("Neighbourhoods", "integer", _LSOAS, None, "Neighbourhoods (LSOAs) in the area"),
    "lsoas_decile_1": _c("Neighbourhoods in most deprived 10%", "integer", _LSOAS, None, "Neighbourhoods among England's most deprived 10% on the IMD"),
    "lsoas_decile_1_2": _c("Neighbourhoods in most deprived 20%", "integer", _LSOAS, None, "Neighbourhoods among England's most deprived 20% on the IMD"),
    "residents_decile_1": _c("Residents in most deprived 10%", "number", _PERSONS, None, "Residents of neighbourhoods among England's most deprived 10%"),
    "residents_decile_1_2": _c("Residents in most deprived 20%", "number", _PERSONS, None, "Residents of neighbourhoods among England's most deprived 20%"),
    "share_lsoas_decile_1_pct": _c("Neighbourhoods in most deprived 10% (%)", "number", _PCT, _D1, "Share of the area's neighbourhoods among England's most deprived 10%"),
    "share_lsoas_decile_1_2_pct": _c("Neighbourhoods in most deprived 20% (%)", "number", _PCT, _D1, "Share of the area's neighbourhoods among England's most deprived 20% (empty when the edition has no deciles for the domain)"),
    "share_residents_decile_1_pct": _c("Residents in most deprived 10% (%)", "number", _PCT, _D1, "Share of the area's residents living in England's most deprived 10% of neighbourhoods"),
    "share_residents_decile_1_2_pct": _c("Residents in most deprived 20% (%)", "number", _PCT, _D1, "Share of the area's residents living in England's most deprived 20% (empty when the edition has no deciles for the domain)"),
    "lsoa_code": _c("LSOA code", "string", None, None, "ONS code of the neighbourhood (Lower layer Super Output Area)"),
    "lsoa_name": _c("Neighbourhood", "string", None, None, "ONS name of the neighbourhood (LSOA)"),
    "ward_name": _c("Ward", "string", None, None, "Electoral ward the neighbourhood lies in"),
    "imd_rank": _c("National rank (1 = most deprived)", "integer", "rank", "{:,d}", "Rank of the neighbourhood's IMD score among all neighbourhoods in England (1 = most deprived)"),
    "imd_decile": _c("National decile", "integer", None, "{:d}", "National IMD decile (1 = England's most deprived 10%)"),
    "domain": _c("Domain code", "string", None, None, "Short code of the deprivation domain (imd = the overall index)"),
    "domain_label": _c("Domain", "string", None, None, "Deprivation domain (or the overall Index of Multiple Deprivation)"),
    "measure": _c("Measure", "string", None, None, "What is averaged: the domain's national rank, or its (transformed) score"),
    "value": _c("Average", "number", None, None, "Population-weighted average of the measure over the area's neighbourhoods"),
    "percentile": _c("Percentile in England", "number", _PCT, None, "For ranks: the average position in England's ranking (lower = more deprived); empty for scores"),
    "more_deprived_when": _c("More deprived when", "string", None, None, "Whether a lower or a higher value means more deprived"),
    "comparison": _c("Editions", "string", None, None, "The two IoD editions compared, earlier to later"),
    "lsoas_compared": _c("Neighbourhoods compared", "integer", _LSOAS, None, "Neighbourhoods with a rank in both editions (across the 2021 boundary change, by their 2011 parent)"),
    "moved_to_more_deprived_decile": _c("Moved to a more deprived decile", "integer", _LSOAS, None, "Neighbourhoods whose national decile moved towards the most deprived"),
    "same_decile": _c("Same decile", "integer", _LSOAS, None, "Neighbourhoods in the same national decile in both editions"),
    "moved_to_less_deprived_decile": _c("Moved to a less deprived decile", "integer", _LSOAS, None, "Neighbourhoods whose national decile moved towards the least deprived"),
    "median_percentile_change": _c("Median change in national percentile", "number", "percentage points", None, "Median change in the neighbourhoods' national percentile (positive = relatively less deprived)"),
    "mean_rank_change": _c("Mean change in national rank", "number", "rank", None, "Mean change in the neighbourhoods' national rank (positive = relatively less deprived)"),
    "lsoas_decile_1_from": _c("In most deprived 10% (before)", "integer", _LSOAS, None, "Neighbourhoods among England's most deprived 10% in the earlier edition"),
    "lsoas_decile_1_to": _c("In most deprived 10% (after)", "integer", _LSOAS, None, "Neighbourhoods among England's most deprived 10% in the later edition"),
    "average_score": _c("Average score", "number", "score", _D2, "Population-weighted average IMD score (higher = more deprived)"),
    "average_rank": _c("Average rank", "number", "rank", _P0, "Population-weighted average of the neighbourhoods' national IMD ranks"),
    "extent": _c("Extent", "number", "proportion", "{:.3f}", "Proportion of residents in the most deprived 30% of neighbourhoods, weighted down from decile 1 to 3 (as IoD File 10)"),
    "local_concentration": _c("Local concentration", "number", "rank", _P0, "Population-weighted average rank of the area's most deprived neighbourhoods holding 10% of its residents"),
    "proportion_lsoas_decile_1": _c("Proportion of LSOAs in most deprived 10%", "number", "proportion", "{:.3f}", "Proportion (0-1) of the area's neighbourhoods among England's most deprived 10%"),
    # --- benchmarks: England, the region, councils like us ---------------------------------------
    "benchmark_measure": _c("Measure code", "string", None, None, "Short code of the benchmark measure"),
    "benchmark_label": _c("Measure", "string", None, None, "The measure (IMD 2025 File 10 summary measure, or a Census 2021 share of residents)"),
    "measure_unit": _c("Unit", "string", None, None, "score, rank, proportion (0-1), percent or persons"),
    "more_deprived_is": _c("More deprived is", "string", None, None, "Whether a higher or lower value is more deprived (or older, or bigger)"),
    "council_value": _c("{la_name}", "number", "as measure_unit", _bm_value, "The council's value (File 10 as published; shares from Census 2021 residents)"),
    "council_rank": _c("Rank of 296 (1 = most deprived)", "integer", "rank", "{:d}", "The council's rank among English councils (1 = most deprived or highest; ties share the best rank)"),
    "councils": _c("Councils", "integer", None, "{:d}", "English councils ranked (File 10)"),
    "england_value": _c("England", "number", _PCT, _D1, "England's own share of residents (Census 2021); empty for File 10 measures, which have no England value"),
    "england_median": _c("England median of councils", "number", "as measure_unit", _bm_value, "Median of the 296 English councils' values"),
    "england_lower_quartile": _c("Lower quartile of councils", "number", "as measure_unit", _bm_value, "25th percentile of the 296 councils' values"),
    "england_upper_quartile": _c("Upper quartile of councils", "number", "as measure_unit", _bm_value, "75th percentile of the 296 councils' values"),
    "england_min": _c("Lowest council", "number", "as measure_unit", _bm_value, "Lowest value among the 296 councils"),
    "england_max": _c("Highest council", "number", "as measure_unit", _bm_value, "Highest value among the 296 councils"),
    "region_name": _c("Region", "string", None, None, "The council's region (ONS local authority to region lookup)"),
    "region_value": _c("Region", "number", "as measure_unit", _bm_value, "The region's value: its neighbourhoods weighted by Census 2021 residents (empty where none is defined)"),
    "vs_region": _c("Compared with the region", "string", None, None, "higher / similar / lower than the region (95% Wilson interval of a share against the region's); empty for means"),
    "neighbour_order": _c("Order", "integer", None, "{:d}", "1 = the nearest (or the first in the user's list)"),
    "la_code": _c("Council code", "string", None, None, "ONS local authority district code (2024)"),
    "la_name": _c("Council", "string", None, None, "Local authority district name"),
    "neighbour_distance": _c("Distance", "number", "standard deviations", _D2, "Euclidean distance on the eight standardised measures (z-scores across 296 councils)"),
    "residents_decile_1_pct": _c("Residents in most deprived 10% (%)", "number", _PCT, _D1, "Census 2021 residents in England's most deprived 10% of neighbourhoods (IMD 2025), % of all"),
    "residents_decile_1_2_pct": _c("Residents in most deprived 20% (%)", "number", _PCT, _D1, "Census 2021 residents in England's most deprived 20% of neighbourhoods (IMD 2025), % of all"),
    "share_0_15_pct": _c("Aged 0-15 (%)", "number", _PCT, _D1, "Census 2021 usual residents aged 0-15, % of all"),
    "share_65_plus_pct": _c("Aged 65+ (%)", "number", _PCT, _D1, "Census 2021 usual residents aged 65 and over, % of all"),
    "rank_among_neighbours": _c("Rank (1 = most deprived or highest)", "integer", "rank", "{:d}", "The council's rank among itself and its comparators"),
    "group_size": _c("Councils compared", "integer", None, "{:d}", "The council and its comparators"),
    "neighbours_median": _c("Comparators' median", "number", "as measure_unit", _bm_value, "Median of the comparator councils' values"),
    "neighbours_min": _c("Comparators' lowest", "number", "as measure_unit", _bm_value, "Lowest of the comparator councils' values"),
    "neighbours_max": _c("Comparators' highest", "number", "as measure_unit", _bm_value, "Highest of the comparator councils' values"),
    # --- grants --------------------------------------------------------------------------------
    "source_row": _c("Row in file", "integer", None, "{:d}", "Row of the grant register the grant is on (header = row 1)"),
    "identifier": _c("Identifier", "string", None, None, "The grant's 360Giving identifier"),
    "recipient": _c("Recipient", "string", None, None, "Name of the recipient organisation"),
    "recipient_id": _c("Identifier", "string", None, None, "The recipient organisation's 360Giving identifier"),
    "award_date": _c("Award date", "date", None, None, "Date the grant was awarded"),
    "first_award_date": _c("First award", "date", None, None, "Date of the recipient's first grant in the period"),
    "last_award_date": _c("Last award", "date", None, None, "Date of the recipient's last grant in the period"),
    "amount_gbp": _c("Amount (£)", "number", _GBP, _G0, "Amount awarded"),
    "reason": _c("Reason", "string", None, None, "Why the grant was not placed in an area, or was rejected"),
    "funder": _c("Funder", "string", None, None, "The funding organisation"),
    "award_year": _c("Award year", "integer", "year", "{:d}", "Calendar year of the award"),
    "grants": _c("Grants", "integer", "grants", None, "Number of grants"),
    "amount_awarded_gbp": _c("Amount awarded (£)", "number", _GBP, _G0, "Total amount awarded"),
    "median_grant_gbp": _c("Median grant (£)", "number", _GBP, _G0, "Median amount of a grant"),
    "amount_per_head_gbp": _c("£ per resident", "number", "GBP per person", _G2, "Amount awarded per resident"),
    "share_of_amount_pct": _c("Share of £ (%)", "number", _PCT, _D1, "Share of the total amount awarded"),
    "share_of_population_pct": _c("Share of residents (%)", "number", _PCT, _D1, "Share of the borough's residents"),
    "share_of_deprived_pct": _c("Share of most deprived (%)", "number", _PCT, _D1, "Share of the residents of the borough's most deprived fifth of neighbourhoods"),
    "amount_if_by_population_gbp": _c("If by residents (£)", "number", _GBP, _G0, "What the area would have received had the same total followed residents"),
    "amount_if_by_deprivation_gbp": _c("If by need (£)", "number", _GBP, _G0, "What the area would have received had the same total followed the most deprived fifth's residents"),
    "difference_vs_population_gbp": _c("Actual minus by residents (£)", "number", _GBP, _G0, "Amount awarded minus the amount had it followed residents"),
    "difference_vs_deprivation_gbp": _c("Actual minus by need (£)", "number", _GBP, _G0, "Amount awarded minus the amount had it followed need"),
    "ratio_to_population_share": _c("Ratio to residents share", "number", "ratio", _D2, "Share of £ divided by share of residents (1 = in proportion)"),
    "ratio_to_deprived_share": _c("Ratio to need share", "number", "ratio", _D2, "Share of £ divided by share of the most deprived fifth's residents (1 = in proportion)"),
    "unit": _c("Ward code", "string", None, None, "ONS code of the ward"),
    "deprivation_rank": _c("Average IMD score (IoD{edition})", "number", "score", _D1, "Population-weighted average IMD score of the ward, by which wards are ordered"),
    "cum_population_pct": _c("Cumulative % of residents", "number", _PCT, _D1, "Cumulative share of residents, wards from most to least deprived"),
    "cum_amount_pct": _c("Cumulative % of grant £", "number", _PCT, _D1, "Cumulative share of grant £, wards from most to least deprived"),
    "financial_year": _c("Financial year", "string", None, None, "Financial year (April to March)"),
    "budget_gbp": _c("Budget (£)", "number", _GBP, _G0, "The area partnership's budget for the year"),
    "spend_gbp": _c("Spend (£)", "number", _GBP, _G0, "Grants awarded in the year"),
    "remaining_gbp": _c("Underspend (£)", "number", _GBP, _G0, "Budget minus spend"),
    "spend_pct_of_budget": _c("Spend (% of budget)", "number", _PCT, "{:.0f}", "Spend as a percentage of the budget"),
    # --- allocation model ----------------------------------------------------------------------
    "deprived_residents": _c("Most deprived fifth's residents", "number", _PERSONS, _P0, "Residents of the borough's most deprived fifth of neighbourhoods living in the area"),
    "base_gbp": _c("Base (£)", "number", _GBP, _G0, "The area's part of the base share, split equally between areas"),
    "population_part_gbp": _c("By residents (£)", "number", _GBP, _G0, "The area's part of the budget split by residents"),
    "deprivation_part_gbp": _c("By need (£)", "number", _GBP, _G0, "The area's part of the budget split by the most deprived fifth's residents"),
    "allocation_gbp": _c("Allocation (£)", "number", _GBP, _G0, "The area's allocation: base plus the parts by residents and by need"),
    "allocation_share_pct": _c("Share of budget (%)", "number", _PCT, _D1, "The allocation as a share of the budget"),
    "allocation_per_head_gbp": _c("£ per resident", "number", "GBP per person", _G2, "The allocation per resident"),
    "actual_share_of_grants_pct": _c("Actual share of grants (%)", "number", _PCT, _D1, "The area's actual share of grant £ recorded"),
    "weight_deprivation": _c("Weight on need", "number", "proportion", _D1, "Weight of need (the most deprived fifth's residents) in the split beyond the base"),
    "weight_population": _c("Weight on residents", "number", "proportion", _D1, "Weight of residents in the split beyond the base"),
    # --- boundary options ----------------------------------------------------------------------
    "grouping": _c("Grouping", "string", None, None, "A way of grouping the borough's wards into areas"),
    "areas": _c("Areas", "integer", "areas", None, "Number of areas in the grouping"),
    "wards": _c("Wards", "integer", "wards", None, "Number of wards in the area"),
    "population_min_max_ratio": _c("Smallest / largest population", "number", "ratio", _D2, "Residents of the smallest area divided by those of the largest"),
    "population_cv_pct": _c("Population spread (CV, %)", "number", _PCT, _D1, "Coefficient of variation of the areas' residents (lower = more even)"),
    "demand_cv_pct": _c("Demand spread (CV, %)", "number", _PCT, _D1, "Coefficient of variation of the areas' demand index (lower = more even)"),
    "deprivation_dissimilarity": _c("Concentration of most deprived (dissimilarity, %)", "number", _PCT, _D1, "Dissimilarity index of the most deprived fifth's residents against all residents across the areas"),
    "share_of_most_deprived_quintile_pct": _c("Share of most deprived fifth (%)", "number", _PCT, _D1, "Share of the residents of the borough's most deprived fifth of neighbourhoods"),
    "demand_index": _c("Demand index (share of weighted demand, %)", "number", _PCT, _D1, "Residents weighted for age and deprivation, as a share of the borough (%)"),
    # --- data sources --------------------------------------------------------------------------
    "data": _c("Data", "string", None, None, "What the data file holds"),
    "publisher": _c("Publisher", "string", None, None, "Who publishes the data"),
    "release": _c("Release", "string", None, None, "The release (edition, date) used"),
    "licence": _c("Licence", "string", None, None, "The licence the data is used under"),
    "file": _c("File", "string", None, None, "The file's name in the project's data folder"),
    "sha256": _c("SHA-256 checksum", "string", None, short_sha256, "SHA-256 checksum of the file as used"),
}.items()}


def _variant(name: str, **changes: Any) -> Column:
    return dataclasses.replace(COLUMNS[name], **changes)


#: Columns shown under another label (or format) in one table; ``{grouping}`` in a table name
#: stands for the pack's grouping column (``population_by_{grouping}`` = ``population_by_locality``).
TABLE_COLUMNS: dict[str, dict[str, Column]] = {
    "population_growth": {"estimated": _variant("estimated", label="Involves an estimate", description="True when either year is an interpolated estimate")},
    "neighbourhood_deciles": {"quintile": _variant("quintile", label="Borough quintile")},
    "la_summary_measures": {"area": _variant("area", label="Area", description="The borough, or one of its areas")},
    "grouping_comparison": {"area": _variant("area", label="Area", description="An area of the grouping")},
    "grants_by_{grouping}": {"population": _variant("population", label="Residents ({population_year})", format=_P0,
                                                     description="Residents in the grant analysis' population year")},
    "grants_fair_share": {"amount_awarded_gbp": _variant("amount_awarded_gbp", label="Actual (£)")},
    "top_recipients": {"amount_awarded_gbp": _variant("amount_awarded_gbp", label="Amount (£)")},
    "allocation_model": {"population": _variant("population", format=_P0)},
    "allocation_sensitivity": {"allocation_share_pct": _variant("allocation_share_pct", label="Share (%)")},
    "area_partnership_budget": {"area_partnership": COLUMNS["area_partnership"]},
    "benchmark_england": {"vs_england": _variant("vs_england", description="higher / similar / lower than England: shares by the 95% Wilson interval against England's; File 10 measures above the councils' upper quartile, below the lower, or in the middle half")},
    "benchmark_neighbours": {"residents": _variant("residents", label="Residents (Census 2021)", format=_P0, description="Census 2021 usual residents")},
    "benchmark_neighbour_ranks": {},
}

#: Wide tables whose columns are the areas themselves (one column per area and the borough).
AREA_VALUE_COLUMNS: dict[str, Column] = {
    "domain_profile": Column("", "{value}", _PCT, _D1, "Share of the area's residents in England's most deprived 20% on the domain", "number"),
}

_PLACEHOLDERS = ("la_name", "grouping_label", "area_label", "population_year", "edition")


def _table_key(table: str | None, context: ColumnContext | None) -> str | None:
    """The registry's name of a table: the grouping column in its name becomes ``{grouping}``."""
    if table and context and context.grouping and table.endswith(f"_{context.grouping}"):
        return table[: -len(context.grouping)] + "{grouping}"
    return table


def _fill(template: str, values: Mapping[str, object], name: str, table: str | None) -> str:
    fields = [f for _, f, _, _ in string.Formatter().parse(template) if f]
    missing = [f for f in fields if values.get(f) is None]
    if missing:
        raise UnknownColumnError(
            f"the label of column {name!r}{f' in table {table!r}' if table else ''} needs "
            f"{', '.join('{' + m + '}' for m in missing)}, which the column context does not give"
        )
    return template.format_map(values) if fields else template


def column(name: str, context: ColumnContext | None = None, table: str | None = None) -> Column:
    """The registry's entry for a column, with its label and description filled in.

    Parameters
    ----------
    name : str
        The column's name (the grouping column, ``locality`` and ``area`` resolve to ``area``).
    context : ColumnContext, optional
        Values for the label templates; needed for pack-dependent labels.
    table : str, optional
        The table's name (CSV stem), for the labels some tables use instead.

    Raises
    ------
    UnknownColumnError
        When the column is not in the registry (naming the column and the table), or its label
        needs a value the context does not give.
    """
    ctx = context or ColumnContext()
    key = _table_key(table, ctx)
    overrides = TABLE_COLUMNS.get(key or "", {})
    canonical = "area" if name in AREA_ALIASES or (ctx.grouping and name == ctx.grouping) else name
    entry = overrides.get(name) or overrides.get(canonical)
    values: dict[str, object] = {p: getattr(ctx, p) for p in _PLACEHOLDERS}
    if entry is None and key in AREA_VALUE_COLUMNS and name in ctx.areas:
        entry = AREA_VALUE_COLUMNS[key]
        values["value"] = name
    if entry is None:
        entry = COLUMNS.get(canonical)
    if entry is None:
        raise UnknownColumnError(
            f"column {name!r}{f' of table {table!r}' if table else ''} has no entry in the column registry "
            "(reviewpack/present/columns.py): add its label, unit, format and description there"
        )
    return dataclasses.replace(
        entry, name=name, label=_fill(entry.label, values, name, table), description=_fill(entry.description, values, name, table)
    )


def labels_for(columns: Iterable[str], context: ColumnContext | None = None, table: str | None = None) -> dict[str, str]:
    """The HTML header of each column, e.g. ``{"population": "Residents"}``.

    Parameters
    ----------
    columns : iterable of str
        The table's columns.
    context : ColumnContext, optional
        Values for pack-dependent labels (``Share of Walsall (%)``).
    table : str, optional
        The table's name, for the labels some tables use instead.
    """
    return {c: column(c, context, table).label for c in columns}


def formats_for(columns: Iterable[str], context: ColumnContext | None = None, table: str | None = None) -> dict[str, CellFormat]:
    """The number format of each column that has one (others use the default), for ``table_html``.

    Parameters
    ----------
    columns : iterable of str
        The table's columns.
    context : ColumnContext, optional
        Resolves the grouping column and a wide table's area columns.
    table : str, optional
        The table's name, for the formats some tables use instead.
    """
    out: dict[str, CellFormat] = {}
    for c in columns:
        fmt = column(c, context, table).format
        if fmt is not None:
            out[c] = fmt
    return out


def table_schema(df_columns: Iterable[str], context: ColumnContext | None = None, table: str | None = None) -> dict[str, Any]:
    """A Frictionless Table Schema for a published CSV.

    Parameters
    ----------
    df_columns : iterable of str
        The CSV's columns, in order.
    context : ColumnContext, optional
        Values for pack-dependent labels (the fields' titles).
    table : str, optional
        The table's name.

    Returns
    -------
    dict
        ``{"fields": [{name, type, title, description[, unit]}...], "missingValues": [""]}``;
        booleans are read as pandas writes them (``True`` / ``False``).
    """
    fields = []
    for name in df_columns:
        col = column(name, context, table)
        field: dict[str, Any] = {"name": name, "type": col.type, "title": col.label, "description": col.description}
        if col.unit:
            field["unit"] = col.unit
        if col.type == "boolean":
            field["trueValues"] = ["True"]
            field["falseValues"] = ["False"]
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}
