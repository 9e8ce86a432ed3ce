"""Chart titles, alt texts and table notes computed from the tables.

None of this text is Markdown: titles are drawn by matplotlib, alt text goes into an HTML
attribute and notes into the table's HTML, each escaped where it is written.
"""

from __future__ import annotations

import pandas as pd

from ...analysis.basis import PopulationBasis
from .population import bands_overlap, bands_text
from .text import num, possessive

__all__ = [
    "trend_title", "trend_alt", "age_profile_alt", "quintile_chart_title", "quintile_chart_alt",
    "fair_share_alt", "population_table_note", "trend_marked_note",
]


def trend_title(growth: tuple[int, int, pd.Series] | None, area: str | None, la_name: str, area_col: str) -> str:
    """A chart title that states the message of the population trend, on one consistent series.

    ``growth`` is :meth:`~reviewpack.analysis.sections.PopulationSection.consistent_growth` (published
    mid-year estimates only: no Census, no interpolated year), so the title never compares unlike measures.
    """
    if growth is None:
        return f"Residents by {area_col}"
    start, end, pct = growth
    span = f"mid-{start} to mid-{end}"
    areas = pct.drop(index=la_name)
    if area is None:
        if (areas > 0).all():
            return f"Every {area_col} grew from {span}; {areas.idxmax()} grew fastest ({areas.max():+.1f}%)"
        return f"{areas.idxmax()} grew fastest from {span} ({areas.max():+.1f}%)"
    return f"{area} changed by {pct[area]:+.1f}% from {span} ({la_name}: {pct[la_name]:+.1f}%)"


def trend_marked_note(basis: PopulationBasis) -> str | None:
    """The trend chart's footnote for years from IoD denominators (``None`` without them)."""
    if not basis.denominators:
        return None
    return "; ".join(
        f"† mid-{d.year}: ONS estimates as {d.label} used them, on {d.lsoa_geography} LSOAs, a different series (diamond, dashed line)"
        for d in basis.denominators
    )


def trend_alt(table: pd.DataFrame, area_col: str, basis: PopulationBasis | None = None) -> str:
    """Alt text for the population trend chart: the first and last value of every line."""
    allages = table[table["age_band"] == "all"]
    years = sorted(allages["year"].unique())
    first, last = years[0], years[-1]
    parts = []
    for a, g in allages.groupby(area_col):
        g = g.set_index("year")["population"]
        parts.append(f"{a} from {num(g[first])} to {num(g[last])}")
    est = sorted(allages.loc[allages["estimated"], "year"].unique())
    est_txt = f" Estimated years ({', '.join(map(str, est))}) are drawn as hollow markers." if est else ""
    for d in basis.denominators if basis is not None else ():
        est_txt += (
            f" Mid-{d.year}, the ONS estimates {d.label} used (on {d.lsoa_geography} LSOAs, a different series), is drawn as a "
            "diamond joined by a dashed line."
        )
    return (
        f"Line chart of residents by {area_col}, {first} to {last}: " + "; ".join(parts) + "." + est_txt
    )


def age_profile_alt(profile: pd.DataFrame, area: str | None, la_name: str, year: int) -> str:
    """Alt text for the age profile: the share of children and of people 65+, area vs borough."""
    def shares(col: str) -> tuple[float, float]:
        return profile.loc[profile["age"] <= 15, col].sum(), profile.loc[profile["age"] >= 65, col].sum()

    bk, bo = shares("borough_pct")
    if area is None or "area_pct" not in profile:
        return (
            f"Bar chart of {possessive(la_name)} residents by single year of age, mid-{year}: {bk:.1f}% are aged 0-15 and {bo:.1f}% aged 65 or over."
        )
    ak, ao = shares("area_pct")
    return (
        f"Bar chart of {possessive(area)} residents by single year of age, mid-{year}, with {possessive(la_name)} profile as a line: "
        f"{ak:.1f}% of {possessive(area)} residents are aged 0-15 ({bk:.1f}% in {la_name}) and {ao:.1f}% are 65 or over ({bo:.1f}%)."
    )


def quintile_chart_title(view: pd.DataFrame, area: str | None, la_name: str, area_col: str) -> str:
    """Title for the share-of-population vs share-of-most-deprived chart."""
    v = view.set_index(area_col)
    if area is None:
        top = v["share_of_quintile_pct"].idxmax()
        return f"{top} holds {v.loc[top, 'share_of_quintile_pct']:.0f}% of the most deprived fifth's residents but {v.loc[top, 'share_of_borough_pct']:.0f}% of all residents"
    return f"{area} holds {v.loc[area, 'share_of_quintile_pct']:.0f}% of {possessive(la_name)} most deprived fifth's residents and {v.loc[area, 'share_of_borough_pct']:.0f}% of all residents"


def quintile_chart_alt(view: pd.DataFrame, area_col: str, vintage: str) -> str:
    """Alt text for the share-of-population vs share-of-most-deprived chart."""
    parts = [
        f"{r[area_col]}: {r['share_of_borough_pct']:.0f}% of residents, {r['share_of_quintile_pct']:.0f}% of the most deprived fifth"
        for _, r in view.iterrows()
    ]
    return f"Bar chart comparing each {possessive(area_col)} share of all residents with its share of residents in the borough's most deprived fifth of neighbourhoods, {vintage}: " + "; ".join(parts) + "."


def fair_share_alt(fair: pd.DataFrame, area_col: str) -> str:
    """Alt text for the fair-share chart."""
    parts = [
        f"{r[area_col]}: {r['share_of_amount_pct']:.0f}% of £, {r['share_of_population_pct']:.0f}% of residents, {r['share_of_deprived_pct']:.0f}% of the most deprived"
        for _, r in fair.iterrows()
    ]
    return f"Bar chart comparing each {possessive(area_col)} share of grant £ with its share of residents and of the borough's most deprived fifth: " + "; ".join(parts) + "."


def population_table_note(table: pd.DataFrame, basis: PopulationBasis | None = None) -> str:
    """The note under the population table: which years lack bands, and which are estimates.

    A year from IoD denominators (``basis.denominators``: mid-2022) gets its own sentence naming its bands.
    """
    parts = []
    own = {d.year: d for d in basis.denominators} if basis is not None else {}
    years = sorted(table["year"].unique())
    lacking = [y for y in years if "16-64" not in set(table.loc[table["year"] == y, "age_band"]) and y not in own]
    if lacking:
        parts.append(
            f"{', '.join(map(str, lacking))}: the source (IoD population denominators, or estimates between them) has no 16-64 / 65+ split, so those bands are absent."
        )
    for year, d in sorted(own.items()):
        bands = bands_text(d.bands)
        overlap = bands_overlap(d.bands)
        parts.append(
            f"{year}: the ONS mid-{year} estimates {d.label} used as its population denominators"
            f"{' (File 7)' if d.file7 else ''}, on {d.lsoa_geography} LSOAs. Their bands are {bands}"
            f"{f': {overlap}' if overlap else ''}. There is no 16-64 / 65+ split for that year."
        )
    est = sorted(table.loc[table["estimated"], "year"].unique())
    if est:
        parts.append(f"Rows marked Estimated ({', '.join(map(str, est))}) are linear interpolations between the nearest data years.")
    return " ".join(parts) or "All figures are published counts or estimates; none is interpolated."
