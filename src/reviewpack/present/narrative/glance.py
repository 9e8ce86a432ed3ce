""""At a glance": the pack's headline figures against the borough, and questions scrutiny might ask.

Each row is one plain line (a measure with its basis, the area's value, the borough's); the
questions are generated from the findings (where money and need diverge most, where one ward
takes most of an area's grant money, where deprivation, growth or age stand out), so they change
when the data do.  Names from data are escaped here.
"""

from __future__ import annotations

import pandas as pd

from ...analysis.basis import EditionBasis, PopulationBasis, Scope
from ...analysis.population import latest_year_with
from .messages import GrantFacts, deprivation_basis, per_resident_basis
from .text import md_escape, num, population_label, possessive, year_label

__all__ = ["DECILES", "QUESTIONS_HEADING", "md_escape", "questions", "rows", "summary_line"]

DECILES = (
    "Deciles and quintiles count from the most deprived: decile 1 is England's most deprived 10% of "
    "neighbourhoods, quintile 1 {la_s} most deprived fifth."
)
QUESTIONS_HEADING = "Questions scrutiny might ask"


def plural(noun: str) -> str:
    """``locality -> localities``, ``ward -> wards``, ``area partnership -> area partnerships``."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun if noun.endswith("s") else noun + "s"


def _band_share(table: pd.DataFrame, band: str, g: str) -> tuple[int, pd.Series, pd.Series] | None:
    """``(year, residents of the band, all residents)`` per area, in the latest year that has ``band``."""
    year = latest_year_with(table, band)
    if year is None:
        return None
    at = table[table["year"] == year]
    return year, at[at["age_band"] == band].set_index(g)["population"], at[at["age_band"] == "all"].set_index(g)["population"]


def rows(
    table: pd.DataFrame, shares: pd.DataFrame, b: EditionBasis, scope: Scope, grants: GrantFacts | None,
    population: PopulationBasis | None = None,
) -> pd.DataFrame:
    """The headline figures: ``measure, <area>, <borough>`` as display text (rounded once, here).

    For the borough's own pack the second column is the range across its areas.  Residents are
    the latest year's (``population`` names a year from IoD denominators by its source); children
    and people aged 65+ each come from the latest year that has their band, named in the row.
    """
    g, la, area = scope.grouping, scope.la_name, scope.area
    allages = table[table["age_band"] == "all"]
    year = int(allages["year"].max())
    latest = allages[allages["year"] == year].set_index(g)["population"]
    kids, old = _band_share(table, "0-15", g), _band_share(table, "65+", g)
    s = shares.set_index("area")

    def pair(values: pd.Series, total: float, fmt: str) -> tuple[str, str]:
        if area is not None:
            return fmt.format(values[area]), fmt.format(total)
        if len(values) < 2:
            return "–", fmt.format(total)
        return f"{fmt.format(values.min())} ({values.idxmin()}) to {fmt.format(values.max())} ({values.idxmax()})", fmt.format(total)

    out: list[tuple[str, str, str]] = []
    out.append((f"Residents ({population_label(year, population)})", *pair(latest, latest.sum(), "{:,.0f}")))
    areas = s.drop(index=la)
    out.append((
        f"Share of residents living in {possessive(la)} most deprived fifth of neighbourhoods ({deprivation_basis(b)})",
        *pair(areas["in_fifth_pct"], s.loc[la, "in_fifth_pct"], "{:.0f}%"),
    ))
    if areas["in_england_10pct"].notna().all():
        out.append((
            f"Share of residents living in England's most deprived 10% of neighbourhoods ({deprivation_basis(b)})",
            *pair(areas["in_england_10pct"], s.loc[la, "in_england_10pct"], "{:.0f}%"),
        ))
    if kids is not None and old is not None:
        (k_year, k, k_all), (o_year, o, o_all) = kids, old
        why = f"; {year_label(k_year)} has no 65+ band" if o_year < k_year else ""
        out.append((f"Children aged 0-15 ({year_label(k_year)})", *pair(100 * k / k_all, 100 * k.sum() / k_all.sum(), "{:.1f}%")))
        out.append((f"People aged 65 and over ({year_label(o_year)}{why})", *pair(100 * o / o_all, 100 * o.sum() / o_all.sum(), "{:.1f}%")))
    if grants is not None:
        by = grants.by_area.set_index(g)
        people = by["population"].sum()
        if people and by["amount_awarded_gbp"].sum() > 0:
            label = f"Grant £ per resident ({per_resident_basis(grants.award_years, grants.basis.population_year)})"
            if grants.basis.illustrative:
                label += ", illustrative data"
            out.append((label, *pair(by["amount_per_head_gbp"], by["amount_awarded_gbp"].sum() / people, "£{:,.2f}")))
    first = area if area is not None else f"Range across the {plural(scope.grouping_label.lower())}"
    return pd.DataFrame(out, columns=["Measure", first, la])


def questions(
    table: pd.DataFrame,
    shares: pd.DataFrame,
    growth: tuple[int, int, pd.Series] | None,
    b: EditionBasis,
    scope: Scope,
    grants: GrantFacts | None,
    most: int = 4,
) -> list[str]:
    """Three or four questions scrutiny might ask, generated from the findings (Markdown, escaped)."""
    la, area, g = scope.la_name, scope.area, scope.grouping
    e_la = md_escape(la)
    s = shares.set_index("area")
    areas = s.drop(index=la)
    out: list[str] = []
    if grants is not None and not grants.fair.empty and grants.fair["amount_awarded_gbp"].sum() > 0:
        fair = grants.fair.set_index(g)
        gap = fair["share_of_deprived_pct"] - fair["share_of_amount_pct"]
        who = area if area is not None else gap.abs().idxmax()
        period = f"{grants.award_years[0]}–{grants.award_years[1]}" if grants.award_years else "the register"
        need = f"the residents of {possessive(e_la)} most deprived fifth ({deprivation_basis(grants.basis.edition)})"
        if gap[who] > 5:
            out.append(
                f"{md_escape(who)} has {fair.loc[who, 'share_of_deprived_pct']:.0f}% of {need} but received "
                f"{fair.loc[who, 'share_of_amount_pct']:.0f}% of the grant £ recorded in {period}: what keeps funding from reaching it?"
            )
        elif gap[who] < -5:
            out.append(
                f"{md_escape(who)} received {fair.loc[who, 'share_of_amount_pct']:.0f}% of the grant £ recorded in {period} with "
                f"{fair.loc[who, 'share_of_deprived_pct']:.0f}% of {need}: does the money reach its most deprived residents?"
            )
        for _, row in grants.recipients.sort_values("share_pct", ascending=False).head(1 if grants.concentrated.empty else 0).iterrows():
            out.append(
                f"{row['share_pct']:.0f}% of {possessive(md_escape(row['area']))} grant £ went to one recipient, "
                f"{md_escape(row['recipient'])}: is that by design, and who else applied?"
            )
        for _, row in grants.concentrated.sort_values("share_pct", ascending=False).head(1).iterrows():
            out.append(
                f"{row['share_pct']:.0f}% of {possessive(md_escape(row['area']))} grant £ went to organisations based in "
                f"{md_escape(row['ward_name'])} ward: whom do they serve, and where do their beneficiaries live?"
            )
    if "in_england_10pct" in areas and areas["in_england_10pct"].notna().all() and len(areas) > 1:
        who = area if area is not None else areas["in_england_10pct"].idxmax()
        value = s.loc[who, "in_england_10pct"]
        if value > s.loc[la, "in_england_10pct"]:
            out.append(
                f"{value:.0f}% of {possessive(md_escape(who))} residents live in England's most deprived 10% of neighbourhoods "
                f"({deprivation_basis(b)}; {e_la}: {s.loc[la, 'in_england_10pct']:.0f}%): are services targeted there?"
            )
    if growth is not None and len(areas) > 1:
        start, end, pct = growth
        who = area if area is not None else pct.drop(index=la).idxmax()
        if pct[who] > pct[la]:
            out.append(
                f"{possessive(md_escape(who))} population grew faster than {possessive(e_la)} ({pct[who]:+.1f}% against {pct[la]:+.1f}%, "
                f"{year_label(start)} to {year_label(end)}): are services keeping pace?"
            )
    for band, who_label, ask, only_if_short in (
        ("65+", "People aged 65 and over", "is support for older residents planned accordingly?", False),
        ("0-15", "Children aged 0-15", "are places in schools and early years services where the children are?", True),
    ):
        found = _band_share(table, band, g)  # the latest year with the band (Census 2021 for 65+ when mid-2022 has none)
        if (only_if_short and len(out) >= 3) or found is None or len(found[2]) < 2:
            continue
        year, group, latest = found
        share = 100 * group / latest
        who = area if area is not None else share.idxmax()
        borough = 100 * group.sum() / latest.sum()
        if share[who] > borough:
            out.append(
                f"{who_label} are {share[who]:.1f}% of {possessive(md_escape(who))} residents ({e_la}: {borough:.1f}%, "
                f"{year_label(year)}): {ask}"
            )
    return out[:most]


def summary_line(scope: Scope, table: pd.DataFrame) -> str:
    """What the figures compare, in one line."""
    allages = table[table["age_band"] == "all"]
    total = allages[allages["year"] == allages["year"].max()]["population"].sum()
    if scope.area:
        return f"{md_escape(scope.area)} against {md_escape(scope.la_name)} as a whole ({num(total)} residents)."
    return f"{md_escape(scope.la_name)} as a whole, with the range across its {md_escape(plural(scope.grouping_label.lower()))}."


def wards_line(scope: Scope, year: int | None, code: str | None, newer: tuple[int, str] | None) -> str:
    """Which ward boundaries the pack's areas are built from, and wards that replaced them (Markdown, escaped).

    Parameters
    ----------
    year, code : int and str, optional
        The boundary year and ONS code of the lookups' wards (``2024``, ``WD24``), read from the lookup.
    newer : tuple, optional
        ``(number of new wards, when they came into use)`` from ``geography.newer_wards``.
    """
    line = f"Wards: {year} boundaries (ONS {code})." if year else ""
    if newer is not None:
        count, since = newer
        line += (
            f" {md_escape(scope.la_name)} has used {count} new wards since {md_escape(since)}; no LSOA lookup or boundaries "
            f"for them are published yet, so the figures here use the {year or 'earlier'} wards."
        )
    return line.strip()
