"""Population demand: residents by area, year and age band; growth; dependency; age profile.

The years come from the population files (``population.lsoa_panel``, ``population.census2021``)
and, after their latest year, from the IoD's own denominators of an edition weighted by them
(IoD2025's File 7: the ONS mid-2022 estimates MHCLG used, with the bands 0-15, 18-66 and 60+).
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from ...errors import ParameterError
from ...ingest import population as population_files
from ...ingest.inputs import PackInputs
from .. import population
from ..basis import DenominatorYear, PopulationBasis, Scope
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
    def _denominators(self) -> tuple[tuple[DenominatorYear, pd.DataFrame, str], ...]:
        """Years an IoD edition's own denominators add after the population files' latest year.

        An edition weighted by its own denominators (``population: iod_denominator``) whose
        denominators are for a year later than every year of the population files adds that
        year: IoD2025's File 7 adds mid-2022.  The earlier editions' denominator years (mid-2012,
        mid-2015) are already in the population panel and add nothing; a pack without File 7
        rows (the national builds, ``reviewpack init`` projects) adds no year.

        Returns
        -------
        tuple
            ``(DenominatorYear, LSOA rows as load_lsoa_population gives them, file name)`` per year added.
        """
        latest = int(self.inputs.lsoa_population["year"].max())
        out: list[tuple[DenominatorYear, pd.DataFrame, str]] = []
        for v in sorted(self.inputs.params.deprivation.vintages, key=lambda v: v.year):
            if v.population != "iod_denominator":
                continue
            frame = self.inputs.imd(v.year)
            year = frame.attrs.get("population_year")
            if "pop_total" not in frame.columns or year is None or int(year) <= latest or any(d.year == int(year) for d, _, _ in out):
                continue
            source = f"ONS mid-{int(year)} small-area estimates as used by MHCLG: the IoD{v.year} population denominators"
            rows = population.denominator_population(frame, v.lsoa_vintage, source)
            present = set(rows["age_band"])
            bands = tuple(b for b in [*population.BAND_ORDER, *sorted(present)] if b in present and b != "all")
            basis = DenominatorYear(int(year), v.year, v.lsoa_vintage, tuple(dict.fromkeys(bands)), bool(v.file7))
            out.append((basis, rows, v.file7 or v.file))
        return tuple(out)

    @cached_property
    def lsoa_population(self) -> pd.DataFrame:
        """LSOA residents by year and band: the population files, then any year the IoD denominators add."""
        frames = [self.inputs.lsoa_population, *(rows for _, rows, _ in self._denominators)]
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    @cached_property
    def by_area(self) -> pd.DataFrame:
        """Residents by year, area and band: the data years plus the interpolated estimates (column ``area``)."""
        i = self.inputs
        data_years = population.population_by_area(self.lsoa_population, i.areas11, i.areas21)
        return population.interpolate_years(data_years, self.params.estimate_years)

    @cached_property
    def basis(self) -> PopulationBasis:
        """Years, estimates, the latest year, the council's baseline year and the years from IoD denominators."""
        t = self.by_area
        return PopulationBasis(
            years=tuple(sorted(int(y) for y in t["year"].unique())),
            estimated_years=tuple(sorted(int(y) for y in t.loc[t["estimated"], "year"].unique())),
            latest_year=int(t["year"].max()),
            baseline_year=self.params.baseline_year,
            pyramid_year=self.params.pyramid_year,
            denominators=tuple(d for d, _, _ in self._denominators),
        )

    @memo
    def table(self) -> pd.DataFrame:
        """The contract table ``population_by_<grouping>.csv``: residents and share of the borough.

        A year from IoD denominators (mid-2022) is shown with its own bands (0-15, 18-66, 60+).
        """
        return population.contract_table(self.by_area, self.scope.grouping, [d.year for d in self.basis.denominators])

    def trend(self) -> pd.DataFrame:
        """All-age residents per area and year (column ``area``), for the trend chart."""
        t = self.table()
        return t[t["age_band"] == "all"].rename(columns={self.scope.grouping: "area"})

    def year_kinds(self) -> dict[int, str]:
        """What each year's figures are.

        ``mid-year`` (a published estimate of the population files), ``census``,
        ``interpolated``, or ``iod_denominator`` (a year from an IoD edition's own denominators:
        mid-2022, ONS estimates rolled forward from Census 2021 on 2021 LSOAs, a different series
        from the earlier mid-year estimates).
        """
        t = self.by_area
        pop = self.inputs.lsoa_population
        census = set(pop.loc[pop["lsoa_vintage"] == 2021, "year"]) if "lsoa_vintage" in pop else set()
        denominators = {d.year for d in self.basis.denominators}
        kinds = {}
        for year, est in t.groupby("year")["estimated"].any().items():
            if est:
                kinds[int(year)] = "interpolated"
            elif year in denominators:
                kinds[int(year)] = "iod_denominator"
            else:
                kinds[int(year)] = "census" if year in census else "mid-year"
        return kinds

    @memo
    def growth(self) -> pd.DataFrame:
        """Change in all-age residents between consecutive years, each area and the borough.

        ``measures`` says what each step compares: ``mid-year estimates`` (like with like),
        ``includes an interpolated year``, ``Census against a mid-year estimate`` (Census 2021 to
        mid-2022 too) or ``mid-year estimates of different series`` (a mid-year of the population
        files against one from IoD denominators).
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
            if "census" in pair:
                return "Census against a mid-year estimate"
            return "mid-year estimates of different series"

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
        when none is) to the latest published mid-year of the population files; ``None`` with
        fewer than two such years.

        A year from IoD denominators (mid-2022, IoD2025's File 7) is left out although it is a
        mid-year estimate: it belongs to the series ONS rolled forward from Census 2021 on 2021
        LSOAs, while the earlier mid-years were rolled forward from Census 2011 on 2011 LSOAs.
        Growth from mid-2015 to mid-2022 would mix the change in residents with the difference
        between the two series (the Census 2021 rebasing), so it is not one consistent series.

        Returns
        -------
        tuple
            ``(from_year, to_year, growth_pct)``; ``growth_pct`` indexed by area, then the borough.
        """
        t = self.by_area
        mid = sorted(year for year, kind in self.year_kinds().items() if kind == "mid-year")
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
        coverage = population_files.check_coverage(i.lsoa_population, i.areas11, i.areas21, i.population_files())
        for d, rows, file in self._denominators:
            coverage.update(population_files.check_coverage(rows, i.areas11, i.areas21, {d.lsoa_geography: file}))
        out["population_coverage"] = coverage
        data_years = population.population_by_area(self.lsoa_population, i.areas11, i.areas21)
        out["population_totals_by_year"] = population_files.check_totals(self.lsoa_population, data_years)
        return out
