"""Deprivation, as shown: quintile shares, position in England, map, domains, change, summary measures."""

from __future__ import annotations

from ...analysis.sections import DeprivationSection
from .. import charts, maps
from ..display import show_figure, show_markdown
from ..narrative import deprivation as words
from ..narrative import figures
from ..narrative import maps as map_words
from ..narrative.context import context_markdown
from ._table import show_table


def context(dep: DeprivationSection, text: str | None) -> None:
    """The council's own context for the section (Markdown from ``context.deprivation``), if any."""
    if text:
        show_markdown(context_markdown(text))


def quintile_shares(dep: DeprivationSection) -> None:
    """Each area's share of all residents against its share of the most deprived fifth; the quintile table."""
    scope, basis = dep.scope, dep.latest
    view = dep.quintile_shares(1)
    bars = dep.quintile_shares_long(1)
    bars["measure"] = bars["measure"].map(words.QUINTILE_SERIES)
    fig = charts.grouped_bars(
        bars, scope.grouping, "measure", "pct",
        title=figures.quintile_chart_title(view, scope.area, scope.la_name, scope.grouping),
        subtitle=words.quintile_subtitle(scope, basis),
        source=words.SOURCE, value_fmt="{:.0f}%", ylabel="% of borough residents",
    )
    show_figure(fig, figures.quintile_chart_alt(view, scope.grouping, basis.label), name="quintile_shares")
    show_table(
        dep.quintile_distribution(), "deprivation_quintile_distribution", words.quintile_caption(scope), scope,
        note=words.quintile_note(dep.editions),
    )


def chi_square(dep: DeprivationSection) -> None:
    """Whether the most deprived neighbourhoods are spread evenly across the areas (a chi-square test)."""
    show_markdown(words.chi_square_sentence(dep.quintile_lsoa_counts(), dep.scope.grouping_label, dep.latest.label))


def national_position(dep: DeprivationSection) -> None:
    """Residents in England's most deprived 10% and 20% of neighbourhoods: chart and table of every edition."""
    scope, basis = dep.scope, dep.latest
    latest = dep.national_summary_latest()
    bars = dep.national_position_long()
    bars["measure"] = bars["measure"].map(words.NATIONAL_SERIES)
    fig = charts.grouped_bars(
        bars, scope.grouping, "measure", "pct",
        title=words.national_title(latest, scope), subtitle=words.national_subtitle(basis),
        source=words.SOURCE, value_fmt="{:.0f}%", ylabel="% of residents", last=scope.la_name,
    )
    show_figure(fig, words.national_alt(latest, scope, basis), name="national_position")
    nat = dep.national_summary()
    shown = [
        "imd_vintage", scope.grouping, "lsoas", "residents", "share_lsoas_decile_1_pct", "share_residents_decile_1_pct",
        "share_lsoas_decile_1_2_pct", "share_residents_decile_1_2_pct",
    ]
    show_table(nat[shown], "national_position", words.NATIONAL_CAPTION, scope, csv=nat, note=words.national_note(dep.editions))


def decile_map(dep: DeprivationSection) -> None:
    """Map of the neighbourhoods by national decile (when boundaries are configured) and its numbers."""
    scope, basis = dep.scope, dep.latest
    geo = dep.inputs.params.geography
    boundaries = geo.lsoa21_boundaries if basis.lsoa_geography == 2021 else geo.lsoa11_boundaries
    imd = dep.imd(basis.edition)
    if boundaries and geo.ward_boundaries:
        deciles = imd.set_index("lsoa_code")["imd_decile"]
        ward_area = dep.inputs.wards.set_index("ward_code")["area"]
        fig = maps.decile_map(
            dep.inputs.path(boundaries), deciles, dep.inputs.path(geo.ward_boundaries), ward_area,
            highlight_area=scope.area, area_label=scope.grouping_label, title=words.map_title(basis),
        )
        lsoa_area = dep.areas(basis.edition).set_index("lsoa_code")[scope.grouping]
        show_figure(fig, map_words.map_alt_text(deciles, lsoa_area, scope.area, scope.la_name, basis.label, scope.grouping), name="decile_map")
    else:
        show_markdown(words.NO_MAP)
    show_table(dep.neighbourhoods(), "neighbourhood_deciles", words.neighbourhoods_caption(scope, basis), scope)


def domains(dep: DeprivationSection) -> None:
    """Residents in England's most deprived 20% on each domain; where the area stands out."""
    scope, basis = dep.scope, dep.latest
    wide = dep.domain_table()
    missing = [m for b in dep.editions for m in words.missing_measures(dep.imd(b.edition))]
    show_table(
        wide, "domain_profile", words.domain_caption(basis), scope, csv=dep.domain_profiles(),
        note=words.domain_note(missing, dep.editions, supplementary=dep.has_supplementary()),
    )
    rel = dep.relative_domains(3)
    if rel is not None:
        show_markdown(words.relative_domains(rel, scope, basis))


def change(dep: DeprivationSection) -> None:
    """Neighbourhoods moving between national deciles from one edition to the next."""
    table = dep.change_table()
    if table is None:
        show_markdown(words.ONE_EDITION)
        return
    shown = [
        "comparison", dep.scope.grouping, "lsoas_compared", "moved_to_more_deprived_decile", "same_decile",
        "moved_to_less_deprived_decile", "lsoas_decile_1_from", "lsoas_decile_1_to",
    ]
    show_table(table[shown], "deprivation_change", words.CHANGE_CAPTION, dep.scope, csv=table, note=words.change_note())


def summary_measures(dep: DeprivationSection) -> None:
    """MHCLG's local authority summary measures, with the published values to compare."""
    note = words.summary_note(dep.scope, dep.latest, dep.official_summary(), dep.summary_agreement())
    show_table(dep.summary_measures(), "la_summary_measures", words.SUMMARY_CAPTION, dep.scope, note=note)


def most_deprived(dep: DeprivationSection) -> None:
    """The area's most deprived neighbourhoods (an area's pack only)."""
    worst = dep.most_deprived()
    if worst is None:
        show_markdown(words.AREA_ONLY)
        return
    cols = ["lsoa_name", "lsoa_code", "ward_name", "imd_rank", "imd_decile"]
    show_table(worst[cols], "most_deprived_neighbourhoods", words.most_deprived_caption(dep.scope, len(worst), dep.latest), dep.scope)
