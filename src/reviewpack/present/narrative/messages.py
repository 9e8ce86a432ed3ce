"""Key messages and the index card's figures, each naming the basis of its figures.

Rules every sentence here keeps (issue 13):

* a deprivation share names its IoD edition and the residents that weight it (:func:`deprivation_basis`);
* a grant figure names its award years and, per resident, the residents' year;
* the two directions of the "most deprived fifth" are never phrased alike: *of the residents of
  the borough's most deprived fifth, X% live in North* (:func:`fifth_in_area`) against *X% of
  North's own residents live in the borough's most deprived fifth* (:func:`area_in_fifth`);
* values are rounded once, here, from the unrounded tables;
* every name from data or parameters is escaped (:func:`~reviewpack.present.narrative.text.md_escape`).

Key messages are Markdown; card labels and values are plain text (the index page escapes them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ...analysis.basis import EditionBasis, GrantsBasis, PopulationBasis, Scope
from ...analysis.population import latest_year_with
from .text import gbp, md_escape, num, population_label, population_when, possessive, year_label


def residents_basis(b: EditionBasis) -> str:
    """The residents that weight an edition: ``Census 2021 residents``, ``the IoD's own mid-2015 residents``."""
    if b.population == "census2021":
        return "Census 2021 residents"
    if b.population == "iod_denominator":
        return f"the IoD's own mid-{b.population_year} residents" if b.population_year else "the IoD's own residents"
    return f"{year_label(int(b.population_year or 0))} residents"


def deprivation_basis(b: EditionBasis) -> str:
    """``IoD2025, Census 2021 residents``: what every deprivation share is stated on."""
    return f"{b.label}, {residents_basis(b)}"


def award_period(years: tuple[int, int] | None) -> str:
    """``2013–2018`` (or one year), the award years the grant figures count."""
    if years is None:
        return "no award year"
    return str(years[0]) if years[0] == years[1] else f"{years[0]}–{years[1]}"


def per_resident_basis(years: tuple[int, int] | None, population_year: int) -> str:
    """``2013–2018 awards, mid-2015 residents``: the basis of a £ per resident figure."""
    return f"{award_period(years)} awards, {year_label(population_year)} residents"


def fifth_in_area(share_of_fifth: float, area: str, share_of_residents: float, scope: Scope, b: EditionBasis) -> str:
    """Direction A: of the residents of the borough's most deprived fifth, the share living in ``area``."""
    return (
        f"Of the residents of {possessive(md_escape(scope.la_name))} most deprived fifth of neighbourhoods, {share_of_fifth:.0f}% live in "
        f"{md_escape(area)}, which has {share_of_residents:.0f}% of all residents ({deprivation_basis(b)})."
    )


def area_in_fifth(in_fifth: float, area: str, borough_in_fifth: float, scope: Scope, b: EditionBasis) -> str:
    """Direction B: of ``area``'s own residents, the share living in the borough's most deprived fifth."""
    return (
        f"{in_fifth:.0f}% of {possessive(md_escape(area))} own residents live in {possessive(md_escape(scope.la_name))} most deprived fifth of "
        f"neighbourhoods ({md_escape(scope.la_name)} as a whole: {borough_in_fifth:.0f}%; {deprivation_basis(b)})."
    )


def deprivation_messages(shares: pd.DataFrame, scope: Scope, b: EditionBasis) -> list[str]:
    """Key messages on deprivation, latest edition.

    Parameters
    ----------
    shares : DataFrame
        :meth:`reviewpack.analysis.sections.DeprivationSection.fifth_shares` (areas, then the borough row).
    scope : Scope
        The pack's area and names.
    b : EditionBasis
        The edition the shares are on.
    """
    s = shares.set_index("area")
    la = scope.la_name
    areas = s.drop(index=la)
    e_la = md_escape(la)
    england = s.loc[la, "in_england_10pct"]
    msgs: list[str] = []
    if scope.area is None and len(areas) > 1:
        top = areas["share_of_fifth_pct"].idxmax()
        low = areas["share_of_fifth_pct"].idxmin()
        msgs.append(fifth_in_area(areas.loc[top, "share_of_fifth_pct"], top, areas.loc[top, "share_of_residents_pct"], scope, b))
        msgs.append(
            f"{md_escape(low)} has {areas.loc[low, 'share_of_residents_pct']:.0f}% of all residents but "
            f"{areas.loc[low, 'share_of_fifth_pct']:.0f}% of the residents of that most deprived fifth ({deprivation_basis(b)})."
        )
    elif scope.area is not None:
        a = scope.area
        msgs.append(fifth_in_area(s.loc[a, "share_of_fifth_pct"], a, s.loc[a, "share_of_residents_pct"], scope, b))
        msgs.append(area_in_fifth(s.loc[a, "in_fifth_pct"], a, s.loc[la, "in_fifth_pct"], scope, b))
    if pd.notna(england):
        who = scope.area if scope.area else la
        against = f"{e_la}: {england:.0f}%; " if scope.area else ""
        msgs.append(
            f"{s.loc[who, 'in_england_10pct']:.0f}% of {possessive(md_escape(who))} residents live in neighbourhoods among England's most "
            f"deprived 10% ({against}{deprivation_basis(b)})."
        )
    return msgs


@dataclass(frozen=True)
class GrantFacts:
    """What the grant messages and card need, unrounded.

    Attributes
    ----------
    by_area : DataFrame
        :meth:`GrantsSection.by_area` (grants, £, residents, £ per resident, by area).
    fair : DataFrame
        :meth:`GrantsSection.fair_share` (shares of £, residents and need).
    basis : GrantsBasis
        Period, residents' year, IoD edition of need.
    award_years : tuple of int or None
        First and last award year counted.
    latest : EditionBasis
        The pack's latest edition (to say why the grants use another).
    concentrated : DataFrame
        :meth:`GrantsSection.concentrated` (one ward taking a large share of an area's £).
    index : float
        The concentration index across wards.
    index_without : dict
        ``{ward_code: index with that ward left out}`` for the concentrated wards.
    placement : str
        ``recipient``, ``beneficiary``, ``mixed`` or ``none``.
    recipients : DataFrame
        :meth:`GrantsSection.recipients_concentrated` (one recipient taking a large share of an area's £).
    """

    by_area: pd.DataFrame
    fair: pd.DataFrame
    basis: GrantsBasis
    award_years: tuple[int, int] | None
    latest: EditionBasis
    concentrated: pd.DataFrame
    index: float
    index_without: dict[str, float]
    placement: str
    recipients: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["area", "recipient", "recipient_gbp", "area_gbp", "share_pct"]))


PLACEMENT = {
    "recipient": "grants are placed by the recipient organisation's address, so an organisation based there may serve a wider area",
    "beneficiary": "grants are placed by where the work happened (the beneficiary location)",
    "recipient_postcode": "grants are placed by the recipient organisation's postcode, so an organisation based there may serve a wider area",
    "beneficiary_postcode": "grants are placed by the postcode of where the work happened (the beneficiary location)",
    "mixed": "grants are placed by the beneficiary location where the register gives one, otherwise by the recipient's address",
    "none": "no grant could be placed in a ward",
}


def _need_clause(f: GrantFacts, scope: Scope) -> str:
    b = f.basis.edition
    need = f"the residents of {possessive(md_escape(scope.la_name))} most deprived fifth of neighbourhoods on {deprivation_basis(b)}"
    if b.edition == f.latest.edition:
        return need
    return f"{need} — the edition of the grants' own years, not the {f.latest.label} used above"


def concentration_message(f: GrantFacts, row: pd.Series, scope: Scope) -> str:
    """One ward taking a large share of an area's grant £, and the concentration index without it."""
    without = f.index_without.get(str(row["ward_code"]))
    change = ""
    if without is not None and pd.notna(f.index) and pd.notna(without):
        change = f" Without {md_escape(row['ward_name'])}, the concentration index across {possessive(md_escape(scope.la_name))} wards moves from {f.index:.2f} to {without:.2f}."
    return (
        f"{row['share_pct']:.0f}% of {possessive(md_escape(row['area']))} grant £ ({award_period(f.award_years)}) went to organisations in one "
        f"ward, {md_escape(row['ward_name'])}; {PLACEMENT[f.placement]}.{change}"
    )


def grants_messages(f: GrantFacts, scope: Scope) -> list[str]:
    """Key messages on grant funding: share of £ against residents and need, £ per resident, concentration."""
    pre = "ILLUSTRATIVE DATA — " if f.basis.illustrative else ""
    g = scope.grouping
    fair = f.fair.set_index(g)
    s = f.by_area.set_index(g)
    total = float(s["amount_awarded_gbp"].sum())
    people = float(s["population"].sum())
    period = award_period(f.award_years)
    residents = year_label(f.basis.population_year)
    if total <= 0 or people <= 0:
        return [f"{pre}No grant in the register could be placed in an area, so there are no grant figures for {md_escape(scope.la_name)}."]
    per_head_b = total / people
    msgs: list[str] = []
    if scope.area is None:
        top = fair["share_of_amount_pct"].idxmax()
        msgs.append(
            f"{pre}{md_escape(top)} received {fair.loc[top, 'share_of_amount_pct']:.0f}% of the grant £ recorded in {period} "
            f"({gbp(fair.loc[top, 'amount_awarded_gbp'])} of {gbp(total)}). It has {fair.loc[top, 'share_of_population_pct']:.0f}% of "
            f"{possessive(md_escape(scope.la_name))} {residents} residents and {fair.loc[top, 'share_of_deprived_pct']:.0f}% of {_need_clause(f, scope)}."
        )
        msgs.append(
            f"{pre}Grant £ per {residents} resident, {period} awards, ranged from {gbp(s['amount_per_head_gbp'].min())} in "
            f"{md_escape(s['amount_per_head_gbp'].idxmin())} to {gbp(s['amount_per_head_gbp'].max())} in "
            f"{md_escape(s['amount_per_head_gbp'].idxmax())} ({md_escape(scope.la_name)}: {gbp(per_head_b)})."
        )
    else:
        a = scope.area
        msgs.append(
            f"{pre}{md_escape(a)} received {fair.loc[a, 'share_of_amount_pct']:.0f}% of the grant £ recorded in {period} "
            f"({gbp(fair.loc[a, 'amount_awarded_gbp'])}; {gbp(s.loc[a, 'amount_per_head_gbp'])} per {residents} resident, "
            f"{md_escape(scope.la_name)} {gbp(per_head_b)}). It has {fair.loc[a, 'share_of_population_pct']:.0f}% of "
            f"{possessive(md_escape(scope.la_name))} {residents} residents and {fair.loc[a, 'share_of_deprived_pct']:.0f}% of {_need_clause(f, scope)}."
        )
    msgs.extend(pre + concentration_message(f, row, scope) for _, row in f.concentrated.iterrows())
    msgs.extend(
        f"{pre}{row['share_pct']:.0f}% of {possessive(md_escape(row['area']))} grant £ ({period}) went to one recipient, "
        f"{md_escape(row['recipient'])}."
        for _, row in f.recipients.iterrows()
    )
    return msgs


def population_messages(
    table: pd.DataFrame, growth: tuple[int, int, pd.Series] | None, scope: Scope, basis: PopulationBasis | None = None
) -> list[str]:
    """Key messages on population: residents, growth on one consistent series, children and older people.

    Residents are those of the latest year (mid-2022 when IoD2025's File 7 gives it, saying so);
    children and people aged 65+ are each taken from the latest year that has their band, and
    when those years differ the sentence names both and why (mid-2022 has no 65+ band).

    Parameters
    ----------
    table : DataFrame
        The contract population table (``year, <grouping>, age_band, population, share_of_borough_pct, estimated``).
    growth : tuple or None
        :meth:`PopulationSection.consistent_growth`: ``(from_year, to_year, growth_pct by area and borough)``.
    scope : Scope
        The pack's area and names.
    basis : PopulationBasis, optional
        :attr:`PopulationSection.basis`: names a year taken from IoD denominators by its source.
    """
    g, area, la = scope.grouping, scope.area, scope.la_name
    e_la = md_escape(la)
    allages = table[table["age_band"] == "all"]
    latest_year = int(allages["year"].max())
    latest = allages[allages["year"] == latest_year].set_index(g)["population"]
    total = float(latest.sum())
    when = population_when(latest_year, basis)
    single = len(latest) == 1
    msgs: list[str] = []
    if area is None and single:
        msgs.append(f"{e_la} had {num(total)} residents at {when}, all in one {md_escape(g)}.")
    elif area is None:
        share = 100 * latest / total
        msgs.append(
            f"{e_la} had {num(total)} residents at {when}. The largest {md_escape(g)} is {md_escape(share.idxmax())} "
            f"({share.max():.1f}% of residents), the smallest {md_escape(share.idxmin())} ({share.min():.1f}%)."
        )
    else:
        msgs.append(f"{md_escape(area)} had {num(latest[area])} residents at {when}: {100 * latest[area] / total:.1f}% of {possessive(e_la)} {num(total)}.")
    if growth is not None:
        start, end, pct = growth
        series = f"on one consistent series, the mid-year estimates from {year_label(start)} to {year_label(end)}"
        if area is None and not single:
            areas = pct.drop(index=la)
            msgs.append(
                f"{possessive(e_la)} population changed by {pct[la]:+.1f}% {series}; {md_escape(areas.idxmax())} changed most "
                f"({areas.max():+.1f}%), {md_escape(areas.idxmin())} least ({areas.min():+.1f}%)."
            )
        elif area is None:
            msgs.append(f"{possessive(e_la)} population changed by {pct[la]:+.1f}% {series}.")
        else:
            msgs.append(f"{possessive(md_escape(area))} population changed by {pct[area]:+.1f}% {series}, against {pct[la]:+.1f}% for {e_la}.")
    kid_year, old_year = latest_year_with(table, "0-15"), latest_year_with(table, "65+")
    if kid_year is not None and old_year is not None and kid_year != old_year:
        msgs.append(_age_mix_two_years(table, kid_year, old_year, scope))
    elif kid_year is not None and old_year is not None:
        when = year_label(kid_year)
        latest = allages[allages["year"] == kid_year].set_index(g)["population"]
        total = float(latest.sum())
        kids = table[(table["age_band"] == "0-15") & (table["year"] == kid_year)].set_index(g)["population"]
        old = table[(table["age_band"] == "65+") & (table["year"] == kid_year)].set_index(g)["population"]
        k, o = 100 * kids / latest, 100 * old / latest
        k_b, o_b = 100 * kids.sum() / total, 100 * old.sum() / total
        if area is None and single:
            msgs.append(f"Children (0-15) are {k_b:.1f}% of residents and people aged 65+ {o_b:.1f}% ({when}).")
        elif area is None:
            msgs.append(
                f"Children (0-15) are {k_b:.1f}% of {possessive(e_la)} residents, from {k.min():.1f}% in {md_escape(k.idxmin())} to "
                f"{k.max():.1f}% in {md_escape(k.idxmax())}; people aged 65+ range from {o.min():.1f}% ({md_escape(o.idxmin())}) "
                f"to {o.max():.1f}% ({md_escape(o.idxmax())}) ({when})."
            )
        else:
            msgs.append(
                f"Children (0-15) are {k[area]:.1f}% of {possessive(md_escape(area))} residents ({e_la}: {k_b:.1f}%); people aged 65+ are "
                f"{o[area]:.1f}% ({e_la}: {o_b:.1f}%; {when})."
            )
    return msgs


def _age_mix_two_years(table: pd.DataFrame, kid_year: int, old_year: int, scope: Scope) -> str:
    """Children (0-15) from the latest year with that band, people aged 65+ from theirs, each year named."""
    g, area, la = scope.grouping, scope.area, scope.la_name
    e_la = md_escape(la)

    def shares(band: str, year: int) -> tuple[pd.Series, float]:
        people = table[(table["age_band"] == band) & (table["year"] == year)].set_index(g)["population"]
        everyone = table[(table["age_band"] == "all") & (table["year"] == year)].set_index(g)["population"]
        return 100 * people / everyone, 100 * float(people.sum()) / float(everyone.sum())

    (k, k_b), (o, o_b) = shares("0-15", kid_year), shares("65+", old_year)
    kid_when, old_when = year_label(kid_year), year_label(old_year)
    why = f"as {kid_when} has no 65+ band" if old_year < kid_year else f"as {old_when} has no 0-15 band"
    if area is None and len(k) == 1:
        return f"Children (0-15) are {k_b:.1f}% of residents at {kid_when} and people aged 65+ {o_b:.1f}% at {old_when}, {why}."
    if area is None:
        return (
            f"Children (0-15) are {k_b:.1f}% of {possessive(e_la)} residents at {kid_when}, from {k.min():.1f}% in "
            f"{md_escape(k.idxmin())} to {k.max():.1f}% in {md_escape(k.idxmax())}; people aged 65+ range from {o.min():.1f}% "
            f"({md_escape(o.idxmin())}) to {o.max():.1f}% ({md_escape(o.idxmax())}) at {old_when}, {why}."
        )
    return (
        f"Children (0-15) are {k[area]:.1f}% of {possessive(md_escape(area))} residents at {kid_when} ({e_la}: {k_b:.1f}%); "
        f"people aged 65+ are {o[area]:.1f}% at {old_when} ({e_la}: {o_b:.1f}%), {why}."
    )


def headlines(
    table: pd.DataFrame, shares: pd.DataFrame, b: EditionBasis, scope: Scope, grants: GrantFacts | None,
    population: PopulationBasis | None = None,
) -> dict[str, str]:
    """The index card's figures (plain text), each label naming its basis (``population``: the population section's).

    The deprivation figure is always *of the pack's own residents, the share in England's most
    deprived 10%*, so cards compare like with like across packs.
    """
    g = scope.grouping
    allages = table[table["age_band"] == "all"]
    year = int(allages["year"].max())
    latest = allages[allages["year"] == year]
    who = scope.area or scope.la_name
    residents = latest["population"].sum() if scope.area is None else latest.loc[latest[g] == scope.area, "population"].sum()
    out = {f"Residents ({population_label(year, population)})": num(residents)}
    s = shares.set_index("area")
    if pd.notna(s.loc[who, "in_england_10pct"]):
        out[f"Residents living in England's most deprived 10% of neighbourhoods ({deprivation_basis(b)})"] = f"{s.loc[who, 'in_england_10pct']:.0f}%"
    if grants is not None:
        by = grants.by_area.set_index(g)
        if scope.area is None:
            value = by["amount_awarded_gbp"].sum() / by["population"].sum() if by["population"].sum() else float("nan")
        else:
            value = by.loc[scope.area, "amount_per_head_gbp"]
        tag = " (illustrative data)" if grants.basis.illustrative else ""
        label = f"Grant £ per resident ({per_resident_basis(grants.award_years, grants.basis.population_year)}){tag}"
        out[label] = f"£{value:,.2f}" if pd.notna(value) else "none placed"
        for _, row in grants.concentrated.iterrows():
            out[f"Share of {possessive(row['area'])} grant £ to organisations in one ward{tag}"] = f"{row['share_pct']:.0f}% ({row['ward_name']})"
        for _, row in grants.recipients.iterrows():
            out[f"Share of {possessive(row['area'])} grant £ to one recipient{tag}"] = f"{row['share_pct']:.0f}% ({row['recipient']})"
    return out
