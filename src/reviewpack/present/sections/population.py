"""Population demand, as shown: residents over time, growth, dependency ratios, age profile."""

from __future__ import annotations

from ...analysis.sections import PopulationSection
from .. import charts
from ..display import show_figure, show_markdown
from ..narrative import figures
from ..narrative import population as words
from ..narrative.context import context_markdown
from ._table import show_table


def context(pop: PopulationSection, text: str | None) -> None:
    """The council's own context for the section (Markdown from ``context.population``), if any."""
    if text:
        show_markdown(context_markdown(text))


def residents_over_time(pop: PopulationSection) -> None:
    """A note on a year from IoD denominators (mid-2022), the trend chart (when there is more than one year) and the table."""
    scope, basis, table = pop.scope, pop.basis, pop.table()
    kinds = pop.year_kinds()
    for d in basis.denominators:
        show_markdown(words.denominator_note(d, sorted(y for y, k in kinds.items() if k == "mid-year")))
    trend = pop.trend()
    if len(basis.years) > 1:
        fig = charts.population_trend(
            trend, list(scope.areas), scope.area,
            title=figures.trend_title(pop.consistent_growth(), scope.area, scope.la_name, scope.grouping),
            subtitle=words.trend_subtitle(scope, basis),
            source=words.SOURCE,
            marked=[d.year for d in basis.denominators],
            marked_note=figures.trend_marked_note(basis),
        )
        show_figure(fig, figures.trend_alt(table, scope.grouping, basis), name="population_trend")
    show_table(
        table, f"population_by_{scope.grouping}", words.table_caption(scope), scope,
        row_class=lambda r: "estimated" if r["estimated"] else None,
        note=figures.population_table_note(table, basis),
    )


def growth(pop: PopulationSection) -> None:
    """Change in residents between consecutive data years, each area and the borough."""
    table = pop.growth()
    if table.empty:
        show_markdown(words.ONE_YEAR)
        return
    show_table(table, "population_growth", words.GROWTH_CAPTION, pop.scope, note=words.growth_note(pop.basis))


def dependency(pop: PopulationSection) -> None:
    """Dependency ratios: chart of the latest year and the table of every year."""
    scope, dep, latest = pop.scope, pop.dependency(), pop.dependency_latest()
    bars = latest.assign(ratio=latest["ratio"].map(words.DEPENDENCY_SERIES))
    fig = charts.grouped_bars(
        bars, "area", "ratio", "per_100",
        title=words.dependency_title(latest),
        subtitle=words.dependency_subtitle(int(dep["year"].max())),
        source=words.SOURCE, value_fmt="{:.0f}", ylabel="Per 100 aged 16-64", last=scope.la_name,
    )
    show_figure(fig, words.dependency_alt(dep), name="dependency")
    why = words.dependency_note(int(dep["year"].max()), pop.basis)
    if why:
        show_markdown(why)
    show_table(dep, "dependency_ratios", words.DEPENDENCY_CAPTION, scope)


def age_profile(pop: PopulationSection) -> None:
    """The single-year-of-age profile of the pack's area against the borough."""
    profile = pop.age_profile()
    if profile is None:
        show_markdown(words.NO_AGE_DATA)
        return
    scope, year = pop.scope, pop.basis.pyramid_year
    fig = charts.age_profile_chart(
        profile, scope.area, scope.la_name,
        title=words.age_profile_title(scope), subtitle=words.age_profile_subtitle(year), source=words.AGE_SOURCE,
    )
    show_figure(fig, figures.age_profile_alt(profile, scope.area, scope.la_name, year), name="age_profile")
    show_table(profile, "age_profile", words.age_profile_caption(year), scope)
