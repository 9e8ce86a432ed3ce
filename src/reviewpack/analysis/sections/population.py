"""Population demand: residents by area, year and age band; growth; dependency; age profile."""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from ...errors import ParameterError
from ...ingest import population as population_files
from ...ingest.inputs import PackInputs
from .. import population
from ..basis import PopulationBasis, Scope
from .memo import memo


class PopulationSection:
    """Residents of each area, from the LSOA population files, with interpolated estimate years.

    Parameters
    ----------
    inputs : PackInputs
        The pack's input frames.
    scope : Scope
        The pack's area and grouping.
    """

    def __init__(self, inputs: PackInputs, scope: Scope) -> None:
        self.inputs = inputs
        self.scope = scope
        self.params = inputs.params.population

    @cached_property
    def by_area(self) -> pd.DataFrame:
        """Residents by year, area and band: the data years plus the interpolated estimates (column ``area``)."""
        i = self.inputs
        data_years = population.population_by_area(i.lsoa_population, i.areas11, i.areas21)
        return population.interpolate_years(data_years, self.params.estimate_years)

    @cached_property
    def basis(self) -> PopulationBasis:
        """Years, estimates, the latest year and the council's baseline year."""
        t = self.by_area
        return PopulationBasis(
            years=tuple(sorted(int(y) for y in t["year"].unique())),
            estimated_years=tuple(sorted(int(y) for y in t.loc[t["estimated"], "year"].unique())),
            latest_year=int(t["year"].max()),
            baseline_year=self.params.baseline_year,
            pyramid_year=self.params.pyramid_year,
        )

    @memo
    def table(self) -> pd.DataFrame:
        """The contract table ``population_by_<grouping>.csv``: residents and share of the borough."""
        return population.contract_table(self.by_area, self.scope.grouping)

    def trend(self) -> pd.DataFrame:
        """All-age residents per area and year (column ``area``), for the trend chart."""
        t = self.table()
        return t[t["age_band"] == "all"].rename(columns={self.scope.grouping: "area"})

    def year_kinds(self) -> dict[int, str]:
        """What each year's figures are: ``mid-year`` (published estimate), ``census`` or ``interpolated``."""
        t = self.by_area
        pop = self.inputs.lsoa_population
        census = set(pop.loc[pop["lsoa_vintage"] == 2021, "year"]) if "lsoa_vintage" in pop else set()
        kinds = {}
        for year, est in t.groupby("year")["estimated"].any().items():
            kinds[int(year)] = "interpolated" if est else ("census" if year in census else "mid-year")
        return kinds

    @memo
    def growth(self) -> pd.DataFrame:
        """Change in all-age residents between consecutive years, each area and the borough.

        ``measures`` says what each step compares: ``mid-year estimates`` (like with like),
        ``includes an interpolated year`` or ``Census against a mid-year estimate``.
        """
        out = population.growth(population.with_borough(self.by_area, self.scope.la_name))
        if out.empty:  # one data year: nothing to compare
            return out.assign(measures=pd.Series(dtype=object))
        kinds = self.year_kinds()

        def measures(a: int, b: int) -> str:
            pair = {kinds.get(int(a)), kinds.get(int(b))}
            if "interpolated" in pair:
                return "includes an interpolated year"
            if pair == {"mid-year"}:
                return "mid-year estimates"
            if pair == {"census"}:
                return "Census"
            return "Census against a mid-year estimate"

        out["measures"] = [measures(a, b) for a, b in zip(out["from_year"], out["to_year"])]
        return out

    @memo
    def dependency(self) -> pd.DataFrame:
        """Children (0-15) and people 65+ per 100 aged 16-64, each area and the borough, by year."""
        return population.dependency_ratios(population.with_borough(self.by_area, self.scope.la_name))

    def dependency_latest(self) -> pd.DataFrame:
        """The latest year's dependency ratios, long: ``area, ratio (child|old_age), per_100``."""
        dep = self.dependency()
        latest = dep[dep["year"] == dep["year"].max()]
        long = latest.melt(
            id_vars=["area"], value_vars=["child_dependency_per_100", "old_age_dependency_per_100"], var_name="ratio", value_name="per_100"
        )
        long["ratio"] = long["ratio"].str.replace("_dependency_per_100", "", regex=False)
        return long

    @memo
    def age_profile(self) -> pd.DataFrame | None:
        """Share of residents at each single year of age, area against borough (``None`` without the data)."""
        if self.params.single_year_of_age is None:
            return None
        areas11 = self.inputs.areas11
        if areas11 is None:
            raise ParameterError(
                "population.single_year_of_age is on LSOA 2011, so geography.lsoa11_ward_lookup is needed.",
                parameter="geography.lsoa11_ward_lookup",
            )
        return population.age_profile(self.inputs.single_year_of_age, areas11, self.params.pyramid_year, self.scope.area)

    @memo
    def consistent_growth(self) -> tuple[int, int, pd.Series] | None:
        """Growth on one consistent series: published mid-year estimates, neither Census nor interpolated.

        From the first published mid-year at or after the council's baseline year (the earliest
        when none is) to the latest published mid-year; ``None`` with fewer than two such years.

        Returns
        -------
        tuple
            ``(from_year, to_year, growth_pct)``; ``growth_pct`` indexed by area, then the borough.
        """
        t = self.by_area
        pop = self.inputs.lsoa_population
        census_years = set(pop.loc[pop["lsoa_vintage"] == 2021, "year"]) if "lsoa_vintage" in pop else set()
        mid = sorted(int(y) for y in t.loc[~t["estimated"], "year"].unique() if y not in census_years)
        if len(mid) < 2:
            return None
        baseline = self.params.baseline_year if self.params.baseline_year is not None else mid[0]
        start = next((y for y in mid if y >= baseline), mid[0])
        end = mid[-1]
        if start == end:
            start = mid[0]
        allages = t[t["age_band"] == "all"].pivot_table(index="area", columns="year", values="population", aggfunc="sum", sort=False)
        allages.loc[self.scope.la_name] = allages.sum()
        return start, end, 100 * (allages[end] / allages[start] - 1)

    def residents(self, year: int) -> pd.Series:
        """All-age residents per area in ``year`` (indexed by the grouping column).

        Raises
        ------
        ParameterError
            If ``year`` is not a year of the population table.
        """
        t = self.by_area
        sel = t[(t["year"] == year) & (t["age_band"] == "all")]
        if sel.empty:
            raise ParameterError(
                f"grants.population_year is {year}, which is not a year of the population table; "
                f"choose one of {', '.join(map(str, sorted(t['year'].unique())))}.",
                parameter="grants.population_year",
            )
        return sel.set_index("area")["population"].rename_axis(self.scope.grouping)

    def check(self) -> dict[str, object]:
        """The build's checks: every LSOA covered by the population files, and totals that add up."""
        i = self.inputs
        out: dict[str, object] = {}
        out["population_coverage"] = population_files.check_coverage(i.lsoa_population, i.areas11, i.areas21, i.population_files())
        data_years = population.population_by_area(i.lsoa_population, i.areas11, i.areas21)
        out["population_totals_by_year"] = population_files.check_totals(i.lsoa_population, data_years)
        return out
