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
    if area is None:
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
        if area is None:
            msgs.append(
                f"Children (0-15) are {k_b:.1f}% of residents borough-wide, from {k_share.min():.1f}% in "
                f"{k_share.idxmin()} to {k_share.max():.1f}% in {k_share.idxmax()}; people aged 65+ range from "
                f"{o_share.min():.1f}% ({o_share.idxmin()}) to {o_share.max():.1f}% ({o_share.idxmax()})."
            )
        else:
            msgs.append(
                f"Children (0-15) are {k_share[area]:.1f}% of {area}'s residents ({k_b:.1f}% borough-wide); "
                f"people aged 65+ are {o_share[area]:.1f}% ({o_b:.1f}% borough-wide)."
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
