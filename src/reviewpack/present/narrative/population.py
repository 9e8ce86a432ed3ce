"""Population demand: chart titles, subtitles, alt text and notes, each naming its years."""

from __future__ import annotations

import re

import pandas as pd

from ...analysis.basis import DenominatorYear, PopulationBasis, Scope

SOURCE = "ONS mid-year estimates; MHCLG IoD population denominators; Census 2021"
AGE_SOURCE = "ONS small area population estimates"
ONE_YEAR = "Only one data year is configured, so there is no change to show."
GROWTH_NOTE = (
    "Only steps between two published mid-year estimates compare like with like. Census 2021 counts usual residents and "
    "the earlier years are mid-year estimates, and an interpolated year is an estimate between data years: the Compares "
    "column says which each step is."
)
NO_AGE_DATA = "No single-year-of-age data is configured (population.single_year_of_age), so there is no age profile."
#: Legend labels of the dependency chart's two series.
DEPENDENCY_SERIES = {"child": "Children (0-15)", "old_age": "Aged 65+"}


def trend_subtitle(scope: Scope, basis: PopulationBasis) -> str:
    """``Residents, all ages, by locality, mid-2012 to 2021`` (``to mid-2022`` when IoD2025's File 7 gives the latest year)."""
    last = f"mid-{basis.latest_year}" if basis.denominator(basis.latest_year) else str(basis.latest_year)
    return f"Residents, all ages, by {scope.grouping}, mid-{basis.first_year} to {last}"


def growth_note(basis: PopulationBasis) -> str:
    """The note under the growth table: :data:`GROWTH_NOTE`, and what a year from IoD denominators compares."""
    extra = [
        f"Mid-{d.year} is the ONS estimate {d.label} used, on {d.lsoa_geography} LSOAs and rolled forward from Census 2021: a "
        "different series from the earlier mid-year estimates, so its step from Census 2021 compares a Census count with a "
        "mid-year estimate."
        for d in basis.denominators
    ]
    return " ".join([GROWTH_NOTE, *extra])


def _band_range(label: str) -> tuple[int, int | None] | None:
    """``'18-66' -> (18, 66)``, ``'60+' -> (60, None)``; ``None`` for a label that is not an age range."""
    m = re.fullmatch(r"(\d+)-(\d+)|(\d+)\+", label)
    if m is None:
        return None
    if m.group(3) is not None:
        return int(m.group(3)), None
    return int(m.group(1)), int(m.group(2))


def _ages(ages: list[int]) -> str:
    """``[16, 17] -> 'ages 16 and 17'``, ``[60, ..., 66] -> 'ages 60 to 66'``, ``[5] -> 'age 5'``."""
    if len(ages) == 1:
        return f"age {ages[0]}"
    if len(ages) == 2:
        return f"ages {ages[0]} and {ages[1]}"
    return f"ages {ages[0]} to {ages[-1]}"


def bands_overlap(bands: tuple[str, ...]) -> str:
    """How a year's bands fail to add up to all ages, from their labels.

    ``('0-15', '18-66', '60+')`` -> ``they overlap (ages 60 to 66 are in two bands) and leave out
    ages 16 and 17``; ``''`` when they partition all ages, or a label is not an age range.
    """
    ranges = [_band_range(b) for b in bands]
    if not ranges or any(r is None for r in ranges):
        return ""  # a band that is not an age range: nothing can be said from the labels
    bounded = [r for r in ranges if r is not None]
    top = max(max(lo, hi if hi is not None else lo) for lo, hi in bounded) + 1
    counts = [sum(1 for lo, hi in bounded if lo <= age and (hi is None or age <= hi)) for age in range(top)]
    twice = [age for age, n in enumerate(counts) if n > 1]
    none = [age for age, n in enumerate(counts) if n == 0]
    parts = []
    if twice:
        parts.append(f"overlap ({_ages(twice)} are in two bands)" if len(twice) > 1 else f"overlap ({_ages(twice)} is in two bands)")
    if none:
        parts.append(f"leave out {_ages(none)}")
    return "they " + " and ".join(parts) if parts else ""


def bands_text(bands: tuple[str, ...]) -> str:
    """``0-15, 18-66 and 60+``."""
    if not bands:
        return "all ages only"
    return bands[0] if len(bands) == 1 else f"{', '.join(bands[:-1])} and {bands[-1]}"


def denominator_note(d: DenominatorYear, previous: list[int]) -> str:
    """The population section's note on a year from IoD denominators (Markdown; nothing from input in it).

    Parameters
    ----------
    d : DenominatorYear
        The year (mid-2022 from IoD2025's File 7).
    previous : list of int
        The mid-years of the population files (the other series), for the comparison.
    """
    where = f"{d.label}'s File 7 rows" if d.file7 else f"the {d.label} file"
    series = f"the mid-year estimates of mid-{previous[0]} to mid-{previous[-1]}" if len(previous) > 1 else "the earlier mid-year estimates"
    overlap = bands_overlap(d.bands)
    bands = (
        f"Their age bands are the IoD's own, {bands_text(d.bands)}" + (f": {overlap}, so they do not add up to all ages" if overlap else "")
        + f"; 16-64, 65+ and the dependency ratios are not shown for mid-{d.year}, and none is made up."
    )
    return (
        f"**Mid-{d.year}** is the latest year: the ONS mid-{d.year} small-area estimates that MHCLG used as the {d.label} "
        f"population denominators, read from {where}. They are on {d.lsoa_geography} LSOAs and rolled forward from Census 2021, "
        f"a different series from {series}, so growth on one consistent series stops before them. {bands} "
        f"ONS has since revised its mid-{d.year} estimates; these are the figures {d.label} used."
    )


def dependency_note(year: int, basis: PopulationBasis) -> str | None:
    """Why the dependency ratios stop at ``year`` when a later year (mid-2022) lacks the bands; ``None`` otherwise."""
    later = [d for d in basis.denominators if d.year > year and not {"16-64", "65+"} <= set(d.bands)]
    if not later:
        return None
    which = "; ".join(f"mid-{d.year} ({d.label}'s denominators) has only the bands {bands_text(d.bands)} besides all ages" for d in later)
    when = "Census 2021" if year == 2021 else f"mid-{year}"
    return f"The ratios need the 16-64 and 65+ bands, so the latest shown is {when}: {which}."


def table_caption(scope: Scope) -> str:
    """Caption of the contract population table."""
    return f"Residents by {scope.grouping}, age band and year"


GROWTH_CAPTION = "Change in residents (all ages) between consecutive years"
DEPENDENCY_CAPTION = "Child and old-age dependency ratios by year"


def dependency_title(dep_latest: pd.DataFrame) -> str:
    """The area with the most children per working-age resident."""
    child = dep_latest[dep_latest["ratio"] == "child"].set_index("area")["per_100"]
    return f"{child.idxmax()} has the most children per working-age resident"


def dependency_subtitle(year: int) -> str:
    """``Dependants per 100 residents aged 16-64, Census 2021``."""
    return f"Dependants per 100 residents aged 16-64, {'Census ' if year == 2021 else 'mid-'}{year}"


def dependency_alt(dep: pd.DataFrame) -> str:
    """Alt text: every area's two ratios in the latest year."""
    year = int(dep["year"].max())
    top = dep[dep["year"] == year].set_index("area")
    parts = "; ".join(
        f"{a}: {r.child_dependency_per_100:.0f} children and {r.old_age_dependency_per_100:.0f} aged 65+" for a, r in top.iterrows()
    )
    return f"Bar chart of dependants per 100 working-age residents in {year}: {parts}."


def age_profile_title(scope: Scope) -> str:
    """``Age profile of North against Walsall``."""
    return f"Age profile of {scope.area_label}" + (f" against {scope.la_name}" if scope.area else "")


def age_profile_subtitle(year: int) -> str:
    """``Share of residents at each single year of age (%), mid-2020``."""
    return f"Share of residents at each single year of age (%), mid-{year}"


def age_profile_caption(year: int) -> str:
    """Caption of the age profile table."""
    return f"Share of residents by single year of age, mid-{year}"
