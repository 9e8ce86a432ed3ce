"""Key messages and the index card's headline figures, in plain English.

Every number in a sentence comes from a table passed in; nothing is typed in. Sentences name
the pack's area and the comparison (the borough or the other areas) so a councillor can read
them without the charts. Key messages are Markdown: every name that comes from data or
parameters (area, council) goes through :func:`~reviewpack.present.narrative.text.md_escape`.
Headlines are plain text (the index page escapes them as HTML), so they are not Markdown-escaped.
"""

from __future__ import annotations

import pandas as pd

from .text import gbp, md_escape, num, year_label

__all__ = ["population_messages", "deprivation_messages", "grants_messages", "headlines", "grant_headline"]


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
    e_la, e_area, e_col = md_escape(la_name), md_escape(area), md_escape(area_col)  # data names, escaped for Markdown
    allages = table[table["age_band"] == "all"]
    latest_year = int(allages["year"].max())
    latest = allages[allages["year"] == latest_year]
    total = latest["population"].sum()
    msgs: list[str] = []
    single = latest[area_col].nunique() == 1  # e.g. the Isles of Scilly: one ward, nothing to compare across
    if area is None and single:
        msgs.append(f"{e_la} had {num(total)} residents at {year_label(latest_year, False)}, all in one {e_col}.")
    elif area is None:
        big = latest.sort_values("population", ascending=False).iloc[0]
        small = latest.sort_values("population").iloc[0]
        msgs.append(
            f"{e_la} had {num(total)} residents at {year_label(latest_year, False)}. "
            f"The largest {e_col} is {md_escape(big[area_col])} ({big['share_of_borough_pct']:.1f}% of residents), "
            f"the smallest {md_escape(small[area_col])} ({small['share_of_borough_pct']:.1f}%)."
        )
    else:
        row = latest[latest[area_col] == area].iloc[0]
        msgs.append(
            f"{e_area} had {num(row['population'])} residents at {year_label(latest_year, False)}: "
            f"{row['share_of_borough_pct']:.1f}% of {e_la}'s {num(total)}."
        )
    base = allages[allages["year"] == baseline_year]
    if not base.empty:
        est = bool(base["estimated"].any())
        if area is None:
            b_total = base["population"].sum()
            change = 100 * (total - b_total) / b_total
            msgs.append(
                f"Since the {year_label(baseline_year, est)} baseline used by the 2017 locality review "
                f"({num(b_total)}), the borough's population has changed by {change:+.1f}%."
            )
        else:
            b = base[base[area_col] == area]["population"].iloc[0]
            a = latest[latest[area_col] == area]["population"].iloc[0]
            b_tot = base["population"].sum()
            msgs.append(
                f"{e_area}'s population changed by {100 * (a - b) / b:+.1f}% from the {year_label(baseline_year, est)} baseline "
                f"({num(b)}) to {year_label(latest_year, False)}, against {100 * (total - b_tot) / b_tot:+.1f}% for {e_la}."
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
                f"Children (0-15) are {k_b:.1f}% of {e_la}'s residents, from {k_share.min():.1f}% in "
                f"{md_escape(k_share.idxmin())} to {k_share.max():.1f}% in {md_escape(k_share.idxmax())}; people aged 65+ range from "
                f"{o_share.min():.1f}% ({md_escape(o_share.idxmin())}) to {o_share.max():.1f}% ({md_escape(o_share.idxmax())})."
            )
        else:
            msgs.append(
                f"Children (0-15) are {k_share[area]:.1f}% of {e_area}'s residents ({e_la}: {k_b:.1f}%); "
                f"people aged 65+ are {o_share[area]:.1f}% ({e_la}: {o_b:.1f}%)."
            )
    return msgs


def deprivation_messages(dist: pd.DataFrame, position_summary: pd.DataFrame, area: str | None, la_name: str, area_col: str) -> list[str]:
    """Key messages on deprivation for the latest IoD edition.

    Parameters
    ----------
    dist : DataFrame
        :func:`reviewpack.deprivation.quintile_distribution` for one edition.
    position_summary : DataFrame
        :func:`reviewpack.deprivation.national_position_summary` for the same edition
        (areas plus a borough total row), with the area column named ``area_col``.
    area : str or None
        The pack's area; ``None`` for the borough.
    la_name : str
        Local authority name.
    area_col : str
        Name of the area column in both tables (e.g. ``locality``).
    """
    vintage = dist["imd_vintage"].iloc[0]
    e_la, e_area, e_vintage = md_escape(la_name), md_escape(area), md_escape(vintage)  # escaped for Markdown
    q1 = dist[dist["quintile"] == 1].set_index(area_col)
    totals = dist.groupby(area_col)["residents"].sum()
    pop_share = 100 * totals / totals.sum()
    pos = position_summary.set_index(area_col)
    total_row = [i for i in pos.index if i not in set(totals.index)]
    borough10 = pos.loc[total_row[0], "share_residents_decile_1_pct"] if total_row else None
    msgs = []
    if area is None and len(totals) == 1:  # one area: no split of the most deprived fifth to describe
        if borough10 is not None:
            msgs.append(f"{borough10:.0f}% of {e_la}'s residents live in neighbourhoods among the most deprived 10% in England ({e_vintage}).")
    elif area is None:
        top = q1["share_of_quintile_pct"].idxmax()
        msgs.append(
            f"{q1.loc[top, 'share_of_quintile_pct']:.0f}% of the residents of {e_la}'s most deprived fifth of neighbourhoods "
            f"live in {md_escape(top)}, which holds {pop_share[top]:.0f}% of all residents ({e_vintage})."
        )
        low = q1["share_of_quintile_pct"].idxmin()
        msgs.append(
            f"{md_escape(low)} holds {pop_share[low]:.0f}% of residents but {q1.loc[low, 'share_of_quintile_pct']:.0f}% of those in the most deprived fifth."
        )
        if borough10 is not None:
            msgs.append(f"{borough10:.0f}% of {e_la}'s residents live in neighbourhoods among the most deprived 10% in England ({e_vintage}).")
    else:
        msgs.append(
            f"{q1.loc[area, 'share_of_quintile_pct']:.0f}% of the residents of {e_la}'s most deprived fifth of neighbourhoods "
            f"live in {e_area}, which holds {pop_share[area]:.0f}% of all residents ({e_vintage})."
        )
        if borough10 is not None:
            msgs.append(
                f"{pos.loc[area, 'share_residents_decile_1_pct']:.0f}% of {e_area}'s residents live in neighbourhoods among the "
                f"most deprived 10% in England ({e_la}: {borough10:.0f}%)."
            )
    return msgs


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
        f"Residents ({year_label(year, False)})": num(residents),
        f"Residents in {la_name}'s most deprived fifth of neighbourhoods ({dist['imd_vintage'].iloc[0]})": f"{in_q1:.0f}%",
    }


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
    e_la, e_area = md_escape(la_name), md_escape(area)  # data names, escaped for Markdown
    f = fair.set_index(area_col)
    s = summary.set_index(area_col)
    total = s["amount_awarded_gbp"].sum()
    per_head_b = total / s["population"].sum()
    if area is None:
        top = f["share_of_amount_pct"].idxmax()
        return [
            f"{pre}{md_escape(top)} received {f.loc[top, 'share_of_amount_pct']:.0f}% of the grant funding recorded ({gbp(f.loc[top, 'amount_awarded_gbp'])} of {gbp(total)}), "
            f"against {f.loc[top, 'share_of_population_pct']:.0f}% of residents and {f.loc[top, 'share_of_deprived_pct']:.0f}% of the most deprived fifth's residents.",
            f"{pre}Grant £ per resident ranged from {gbp(s['amount_per_head_gbp'].min())} in {md_escape(s['amount_per_head_gbp'].idxmin())} to "
            f"{gbp(s['amount_per_head_gbp'].max())} in {md_escape(s['amount_per_head_gbp'].idxmax())} ({e_la}: {gbp(per_head_b)}).",
        ]
    return [
        f"{pre}{e_area} received {f.loc[area, 'share_of_amount_pct']:.0f}% of the grant funding recorded ({gbp(f.loc[area, 'amount_awarded_gbp'])}, "
        f"{gbp(s.loc[area, 'amount_per_head_gbp'])} per resident against {gbp(per_head_b)} for {e_la}); it has "
        f"{f.loc[area, 'share_of_population_pct']:.0f}% of residents and {f.loc[area, 'share_of_deprived_pct']:.0f}% of the most deprived fifth's residents.",
    ]


def grant_headline(summary: pd.DataFrame, area: str | None, area_col: str, illustrative: bool) -> dict[str, str]:
    """The index card's grant figure: £ per resident for the pack's area (or the borough)."""
    s = summary.set_index(area_col)
    value = s["amount_awarded_gbp"].sum() / s["population"].sum() if area is None else s.loc[area, "amount_per_head_gbp"]
    label = "Grant £ per resident (illustrative data)" if illustrative else "Grant £ per resident"
    return {label: f"£{value:,.2f}"}
