"""Population demand: chart titles, subtitles, alt text and notes, each naming its years."""

from __future__ import annotations

import pandas as pd

from ...analysis.basis import PopulationBasis, Scope

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
    """``Residents, all ages, by locality, mid-2012 to 2021``."""
    return f"Residents, all ages, by {scope.grouping}, mid-{basis.first_year} to {basis.latest_year}"


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
