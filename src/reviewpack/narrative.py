"""Plain-English sentences computed from the tables (key messages, captions, alt text).

Every number in a sentence comes from a table passed in; nothing is typed in.
Sentences name the pack's area and the comparison (the borough or the other
areas) so a councillor can read them without the charts.
"""

from __future__ import annotations

import pandas as pd

from .report import num


def _year_label(year: int, estimated: bool) -> str:
    if year == 2021:
        return "Census 2021"
    return f"mid-{year}{' (estimate)' if estimated else ''}"


def population_messages(table: pd.DataFrame, area: str | None, la_name: str, area_col: str, baseline_year: int) -> list[str]:
    """Key messages on population demand.

    Parameters
    ----------
    table : DataFrame
        The contract table (:func:`reviewpack.population.contract_table`).
    area : str or None
        The pack's area; ``None`` for the borough overview.
    la_name : str
        Local authority name.
    area_col : str
        Name of the area column (e.g. ``locality``).
    baseline_year : int
        The council's baseline year (shown when present in the table).
    """
    allages = table[table["age_band"] == "all"]
    latest_year = int(allages["year"].max())
    latest = allages[allages["year"] == latest_year]
    total = latest["population"].sum()
    msgs: list[str] = []
    single = latest[area_col].nunique() == 1  # e.g. the Isles of Scilly: one ward, nothing to compare across
    if area is None and single:
        msgs.append(f"{la_name} had {num(total)} residents at {_year_label(latest_year, False)}, all in one {area_col}.")
    elif area is None:
        big = latest.sort_values("population", ascending=False).iloc[0]
        small = latest.sort_values("population").iloc[0]
        msgs.append(
            f"{la_name} had {num(total)} residents at {_year_label(latest_year, False)}. "
            f"The largest {area_col} is {big[area_col]} ({big['share_of_borough_pct']:.1f}% of residents), "
            f"the smallest {small[area_col]} ({small['share_of_borough_pct']:.1f}%)."
        )
    else:
        row = latest[latest[area_col] == area].iloc[0]
        msgs.append(
            f"{area} had {num(row['population'])} residents at {_year_label(latest_year, False)}: "
            f"{row['share_of_borough_pct']:.1f}% of {la_name}'s {num(total)}."
        )
    base = allages[allages["year"] == baseline_year]
    if not base.empty:
        est = bool(base["estimated"].any())
        if area is None:
            b_total = base["population"].sum()
            change = 100 * (total - b_total) / b_total
            msgs.append(
                f"Since the {_year_label(baseline_year, est)} baseline used by the 2017 locality review "
                f"({num(b_total)}), the borough's population has changed by {change:+.1f}%."
            )
        else:
            b = base[base[area_col] == area]["population"].iloc[0]
            a = latest[latest[area_col] == area]["population"].iloc[0]
            b_tot = base["population"].sum()
            msgs.append(
                f"{area}'s population changed by {100 * (a - b) / b:+.1f}% from the {_year_label(baseline_year, est)} baseline "
                f"({num(b)}) to {_year_label(latest_year, False)}, against {100 * (total - b_tot) / b_tot:+.1f}% for {la_name}."
            )
    kids = table[(table["age_band"] == "0-15") & (table["year"] == latest_year)]
    old = table[(table["age_band"] == "65+") & (table["year"] == latest_year)]
    if not kids.empty and not old.empty:
        k_share = 100 * kids.set_index(area_col)["population"] / latest.set_index(area_col)["population"]
        o_share = 100 * old.set_index(area_col)["population"] / latest.set_index(area_col)["population"]
        k_b = 100 * kids["population"].sum() / total
        o_b = 100 * old["population"].sum() / total
        if area is None and single:
            msgs.append(f"Children (0-15) are {k_b:.1f}% of residents and people aged 65+ {o_b:.1f}%.")
        elif area is None:
            msgs.append(
                f"Children (0-15) are {k_b:.1f}% of {la_name}'s residents, from {k_share.min():.1f}% in "
                f"{k_share.idxmin()} to {k_share.max():.1f}% in {k_share.idxmax()}; people aged 65+ range from "
                f"{o_share.min():.1f}% ({o_share.idxmin()}) to {o_share.max():.1f}% ({o_share.idxmax()})."
            )
        else:
            msgs.append(
                f"Children (0-15) are {k_share[area]:.1f}% of {area}'s residents ({la_name}: {k_b:.1f}%); "
                f"people aged 65+ are {o_share[area]:.1f}% ({la_name}: {o_b:.1f}%)."
            )
    return msgs


def trend_title(table: pd.DataFrame, area: str | None, la_name: str, area_col: str) -> str:
    """A chart title that states the message of the population trend."""
    allages = table[(table["age_band"] == "all") & (~table["estimated"])]
    first, last = int(allages["year"].min()), int(allages["year"].max())
    f = allages[allages["year"] == first].set_index(area_col)["population"]
    l_ = allages[allages["year"] == last].set_index(area_col)["population"]
    growth = 100 * (l_ - f) / f
    if area is None:
        return f"Every {area_col} grew between {first} and {last}; {growth.idxmax()} grew fastest ({growth.max():+.1f}%)" if (growth > 0).all() else f"{growth.idxmax()} grew fastest between {first} and {last} ({growth.max():+.1f}%)"
    g_b = 100 * (l_.sum() - f.sum()) / f.sum()
    return f"{area} changed by {growth[area]:+.1f}% between {first} and {last} ({la_name}: {g_b:+.1f}%)"


def trend_alt(table: pd.DataFrame, area_col: str) -> str:
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
            f"Bar chart of {la_name}'s residents by single year of age, mid-{year}: {bk:.1f}% are aged 0-15 and {bo:.1f}% aged 65 or over."
        )
    ak, ao = shares("area_pct")
    return (
        f"Bar chart of {area}'s residents by single year of age, mid-{year}, with {la_name}'s profile as a line: "
        f"{ak:.1f}% of {area}'s residents are aged 0-15 ({bk:.1f}% in {la_name}) and {ao:.1f}% are 65 or over ({bo:.1f}%)."
    )


def deprivation_messages(dist: pd.DataFrame, position_summary: pd.DataFrame, area: str | None, la_name: str, area_col: str) -> list[str]:
    """Key messages on deprivation for the latest IoD edition.

    Parameters
    ----------
    dist : DataFrame
        :func:`reviewpack.deprivation.quintile_distribution` for one edition.
    position_summary : DataFrame
        :func:`reviewpack.deprivation.national_position_summary` for the same edition
        (areas plus a borough total row).
    area : str or None
        The pack's area; ``None`` for the borough.
    """
    vintage = dist["imd_vintage"].iloc[0]
    q1 = dist[dist["quintile"] == 1].set_index(area_col)
    totals = dist.groupby(area_col)["residents"].sum()
    pop_share = 100 * totals / totals.sum()
    pos = position_summary.set_index(position_summary.columns[1])
    total_row = [i for i in pos.index if i not in set(totals.index)]
    borough10 = pos.loc[total_row[0], "share_residents_decile_1_pct"] if total_row else None
    msgs = []
    if area is None and len(totals) == 1:  # one area: no split of the most deprived fifth to describe
        if borough10 is not None:
            msgs.append(f"{borough10:.0f}% of {la_name}'s residents live in neighbourhoods among the most deprived 10% in England ({vintage}).")
    elif area is None:
        top = q1["share_of_quintile_pct"].idxmax()
        msgs.append(
            f"{q1.loc[top, 'share_of_quintile_pct']:.0f}% of the residents of {la_name}'s most deprived fifth of neighbourhoods "
            f"live in {top}, which holds {pop_share[top]:.0f}% of all residents ({vintage})."
        )
        low = q1["share_of_quintile_pct"].idxmin()
        msgs.append(
            f"{low} holds {pop_share[low]:.0f}% of residents but {q1.loc[low, 'share_of_quintile_pct']:.0f}% of those in the most deprived fifth."
        )
        if borough10 is not None:
            msgs.append(f"{borough10:.0f}% of {la_name}'s residents live in neighbourhoods among the most deprived 10% in England ({vintage}).")
    else:
        msgs.append(
            f"{q1.loc[area, 'share_of_quintile_pct']:.0f}% of the residents of {la_name}'s most deprived fifth of neighbourhoods "
            f"live in {area}, which holds {pop_share[area]:.0f}% of all residents ({vintage})."
        )
        if borough10 is not None:
            msgs.append(
                f"{pos.loc[area, 'share_residents_decile_1_pct']:.0f}% of {area}'s residents live in neighbourhoods among the "
                f"most deprived 10% in England ({la_name}: {borough10:.0f}%)."
            )
    return msgs


def quintile_chart_title(view: pd.DataFrame, area: str | None, la_name: str, area_col: str) -> str:
    """Title for the share-of-population vs share-of-most-deprived chart."""
    v = view.set_index(area_col)
    if area is None:
        top = v["share_of_quintile_pct"].idxmax()
        return f"{top} holds {v.loc[top, 'share_of_quintile_pct']:.0f}% of the most deprived fifth's residents but {v.loc[top, 'share_of_borough_pct']:.0f}% of all residents"
    return f"{area} holds {v.loc[area, 'share_of_quintile_pct']:.0f}% of {la_name}'s most deprived fifth's residents and {v.loc[area, 'share_of_borough_pct']:.0f}% of all residents"


def quintile_chart_alt(view: pd.DataFrame, area_col: str, vintage: str) -> str:
    """Alt text for the share-of-population vs share-of-most-deprived chart."""
    parts = [
        f"{r[area_col]}: {r['share_of_borough_pct']:.0f}% of residents, {r['share_of_quintile_pct']:.0f}% of the most deprived fifth"
        for _, r in view.iterrows()
    ]
    return f"Bar chart comparing each {area_col}'s share of all residents with its share of residents in the borough's most deprived fifth of neighbourhoods, {vintage}: " + "; ".join(parts) + "."


def headlines(pop: pd.DataFrame, dist: pd.DataFrame, area: str | None, la_name: str, area_col: str) -> dict[str, str]:
    """Headline figures for the pack's card on the index page.

    Returns
    -------
    dict
        ``{"Residents (<year>)": "59,825", "Residents in <la>'s most deprived fifth of neighbourhoods (<IoD>)": "50%"}``.
    """
    allages = pop[pop["age_band"] == "all"]
    year = int(allages["year"].max())
    latest = allages[allages["year"] == year]
    residents = latest["population"].sum() if area is None else latest.loc[latest[area_col] == area, "population"].sum()
    q = dist if area is None else dist[dist[area_col] == area]
    in_q1 = 100 * q.loc[q["quintile"] == 1, "residents"].sum() / q["residents"].sum()
    return {
        f"Residents ({_year_label(year, False)})": num(residents),
        f"Residents in {la_name}'s most deprived fifth of neighbourhoods ({dist['imd_vintage'].iloc[0]})": f"{in_q1:.0f}%",
    }


def _gbp(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"£{value / 1_000_000:,.2f}m"
    if abs(value) < 100:
        return f"£{value:,.2f}"
    return f"£{value:,.0f}"


def grants_messages(fair: pd.DataFrame, summary: pd.DataFrame, area: str | None, la_name: str, area_col: str, illustrative: bool) -> list[str]:
    """Key messages on grant funding: share of £ against share of residents and of need.

    Parameters
    ----------
    fair : DataFrame
        :func:`reviewpack.grants.fair_share`.
    summary : DataFrame
        :func:`reviewpack.grants.summarise_by_area` (the contract table).
    illustrative : bool
        Prefix every message with "ILLUSTRATIVE" when the register is made up.
    """
    pre = "ILLUSTRATIVE DATA — " if illustrative else ""
    f = fair.set_index(area_col)
    s = summary.set_index(area_col)
    total = s["amount_awarded_gbp"].sum()
    per_head_b = total / s["population"].sum()
    if area is None:
        top = f["share_of_amount_pct"].idxmax()
        return [
            f"{pre}{top} received {f.loc[top, 'share_of_amount_pct']:.0f}% of the grant funding recorded ({_gbp(f.loc[top, 'amount_awarded_gbp'])} of {_gbp(total)}), "
            f"against {f.loc[top, 'share_of_population_pct']:.0f}% of residents and {f.loc[top, 'share_of_deprived_pct']:.0f}% of the most deprived fifth's residents.",
            f"{pre}Grant £ per resident ranged from {_gbp(s['amount_per_head_gbp'].min())} in {s['amount_per_head_gbp'].idxmin()} to "
            f"{_gbp(s['amount_per_head_gbp'].max())} in {s['amount_per_head_gbp'].idxmax()} ({la_name}: {_gbp(per_head_b)}).",
        ]
    return [
        f"{pre}{area} received {f.loc[area, 'share_of_amount_pct']:.0f}% of the grant funding recorded ({_gbp(f.loc[area, 'amount_awarded_gbp'])}, "
        f"{_gbp(s.loc[area, 'amount_per_head_gbp'])} per resident against {_gbp(per_head_b)} for {la_name}); it has "
        f"{f.loc[area, 'share_of_population_pct']:.0f}% of residents and {f.loc[area, 'share_of_deprived_pct']:.0f}% of the most deprived fifth's residents.",
    ]


def fair_share_alt(fair: pd.DataFrame, area_col: str) -> str:
    """Alt text for the fair-share chart."""
    parts = [
        f"{r[area_col]}: {r['share_of_amount_pct']:.0f}% of £, {r['share_of_population_pct']:.0f}% of residents, {r['share_of_deprived_pct']:.0f}% of the most deprived"
        for _, r in fair.iterrows()
    ]
    return f"Bar chart comparing each {area_col}'s share of grant £ with its share of residents and of the borough's most deprived fifth: " + "; ".join(parts) + "."


def grant_headline(summary: pd.DataFrame, area: str | None, area_col: str, illustrative: bool) -> dict[str, str]:
    """The index card's grant figure: £ per resident for the pack's area (or the borough)."""
    s = summary.set_index(area_col)
    value = s["amount_awarded_gbp"].sum() / s["population"].sum() if area is None else s.loc[area, "amount_per_head_gbp"]
    label = "Grant £ per resident (illustrative data)" if illustrative else "Grant £ per resident"
    return {label: f"£{value:,.2f}"}


def population_table_note(table: pd.DataFrame) -> str:
    """The note under the population table: which years lack bands, and which are estimates."""
    parts = []
    years = sorted(table["year"].unique())
    lacking = [y for y in years if "16-64" not in set(table.loc[table["year"] == y, "age_band"])]
    if lacking:
        parts.append(
            f"{', '.join(map(str, lacking))}: the source (IoD population denominators, or estimates between them) has no 16-64 / 65+ split, so those bands are absent."
        )
    est = sorted(table.loc[table["estimated"], "year"].unique())
    if est:
        parts.append(f"Rows marked Estimated ({', '.join(map(str, est))}) are linear interpolations between the nearest data years.")
    return " ".join(parts) or "All figures are published counts or estimates; none is interpolated."
