"""One pack's inputs, loaded once and shared by its sections.

A notebook does::

    pack = PackData.open("north")          # or PackData.from_params(params_dict)

and then asks for the tables it shows (``pack.population_table()``, ...).  Every
figure comes from the raw files through the tested functions of the topic
modules; nothing here computes a statistic of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from . import deprivation, geography, grants, groupings, population
from .config import PackParams, data_path, find_project_root, load_pack_params, reference_date


@dataclass
class PackData:
    """Inputs and derived tables for one pack.

    Attributes
    ----------
    root : Path
        Project root.
    params : PackParams
        Validated parameters.
    """

    root: Path
    params: PackParams
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- construction -------------------------------------------------------
    @classmethod
    def open(cls, pack: str, root: Path | None = None, extra_params: list[Path] | None = None) -> "PackData":
        """Load and validate ``params/<pack>.yaml`` (merged over the defaults) and return the pack."""
        root = find_project_root(root)
        return cls(root=root, params=load_pack_params(root, pack, extra_params))

    @classmethod
    def from_params(cls, params: dict[str, Any], root: Path | None = None) -> "PackData":
        """Build from an already-resolved parameter mapping (what ``reviewpack build`` passes)."""
        root = find_project_root(root)
        return cls(root=root, params=PackParams.model_validate(params))

    # -- helpers ------------------------------------------------------------
    def path(self, relative: str) -> Path:
        """A data file named in the parameters, resolved under ``data_dir``."""
        return data_path(self.root, self.params, relative)

    @property
    def la_name(self) -> str:
        """The local authority's name, e.g. "Walsall"."""
        return self.params.local_authority.name

    @property
    def area(self) -> str | None:
        """The pack's area (``None`` for the borough overview)."""
        return self.params.area

    @property
    def area_label(self) -> str:
        """What the pack covers, for titles: the area name or the borough name."""
        return self.params.area or self.la_name

    @property
    def grouping(self) -> str:
        """The mapping column that defines areas (e.g. ``locality``)."""
        return self.params.geography.grouping

    @property
    def grouping_label(self) -> str:
        """Human label of the grouping, e.g. "Locality"."""
        return self.params.geography.grouping_label

    # -- geography ------------------------------------------------------------
    @cached_property
    def wards(self) -> pd.DataFrame:
        """Ward -> area mapping with an ``area`` column (every ward its own area when no mapping is given)."""
        g = self.params.geography
        if g.ward_area_mapping is None:
            lookup = self._lookup(g.lsoa21_ward_lookup or g.lsoa11_ward_lookup)
            return geography.wards_from_lookup(lookup, g.grouping)
        return geography.load_ward_areas(self.path(g.ward_area_mapping), g.grouping, g.grouping_column)

    @cached_property
    def areas(self) -> list[str]:
        """All areas of the grouping, in reading order."""
        return geography.area_order(self.wards)

    def _lookup(self, relative: str) -> pd.DataFrame:
        key = f"lookup:{relative}"
        if key not in self._cache:
            self._cache[key] = geography.load_lsoa_lookup(self.path(relative), self.params.local_authority.code)
        return self._cache[key]

    @cached_property
    def areas11(self) -> pd.DataFrame | None:
        """LSOA 2011 -> ward -> area (``None`` when no LSOA 2011 lookup is configured)."""
        path = self.params.geography.lsoa11_ward_lookup
        return geography.lsoa_areas(self._lookup(path), self.wards) if path else None

    @cached_property
    def areas21(self) -> pd.DataFrame | None:
        """LSOA 2021 -> ward -> area (``None`` when no LSOA 2021 lookup is configured)."""
        path = self.params.geography.lsoa21_ward_lookup
        return geography.lsoa_areas(self._lookup(path), self.wards) if path else None

    def caveats(self) -> list[str]:
        """Every caveat for the methodology section: population, deprivation and grants, for this pack's inputs."""
        from . import methodology

        params = self.params.model_dump(mode="json")
        counts = {geo: len(a) for geo, a in ((2011, self.areas11), (2021, self.areas21)) if a is not None}
        return (
            methodology.population_caveats(params)
            + methodology.deprivation_caveats(params, counts, self.la_name)
            + methodology.grants_caveats(params)
        )

    @property
    def lsoa_codes(self) -> set[str]:
        """Every LSOA (2011 and 2021) of the local authority."""
        return set().union(*(set(a["lsoa_code"]) for a in (self.areas11, self.areas21) if a is not None))

    # -- population -----------------------------------------------------------
    @cached_property
    def lsoa_population(self) -> pd.DataFrame:
        """Long LSOA population table (all data years, all bands)."""
        p = self.params.population
        census = self.path(p.census2021) if p.census2021 else None
        panel = self.path(p.lsoa_panel) if p.lsoa_panel else None
        return population.load_lsoa_population(panel, census, self.lsoa_codes)

    @cached_property
    def population_by_area(self) -> pd.DataFrame:
        """Residents by year, area and band, data years plus the interpolated estimates."""
        by_area = population.population_by_area(self.lsoa_population, self.areas11, self.areas21)
        return population.interpolate_years(by_area, self.params.population.estimate_years)

    def population_table(self) -> pd.DataFrame:
        """The contract table ``population_by_<grouping>.csv``."""
        return population.contract_table(self.population_by_area, self.grouping)

    @cached_property
    def single_year_of_age(self) -> pd.DataFrame:
        """Single-year-of-age LSOA population (long)."""
        path = self.params.population.single_year_of_age
        if path is None:
            from .errors import ParameterError

            raise ParameterError("population.single_year_of_age is not set, so there is no age profile.")
        return population.load_single_year_of_age(self.path(path))

    # -- deprivation ----------------------------------------------------------
    def vintage(self, year: int):
        """The parameters of one IoD edition."""
        for v in self.params.deprivation.vintages:
            if v.year == year:
                return v
        raise KeyError(year)

    @property
    def imd_years(self) -> list[int]:
        """The IoD editions in the parameters, oldest first."""
        return [v.year for v in self.params.deprivation.vintages]

    def areas_for(self, lsoa_vintage: int) -> pd.DataFrame:
        """LSOA -> area table for LSOA 2011 or 2021."""
        return self.areas11 if lsoa_vintage == 2011 else self.areas21

    def imd(self, year: int) -> pd.DataFrame:
        """The borough's LSOAs in IoD ``year`` (standardised columns, with ``quintile``)."""
        key = f"imd{year}"
        if key not in self._cache:
            v = self.vintage(year)
            frame = deprivation.load_imd(self.path(v.file), year, self.params.local_authority.code)
            self._cache[key] = deprivation.borough_quintiles(frame)
        return self._cache[key]

    def imd_population(self, year: int) -> pd.Series | None:
        """Residents per LSOA used to weight IoD ``year`` (``None``: the IoD's own denominators)."""
        v = self.vintage(year)
        if v.population == "iod_denominator":
            return None
        pop = self.lsoa_population
        pop = pop[pop["age_band"] == "all"]
        if v.population == "census2021":
            sel = pop[(pop["year"] == 2021) & (pop["lsoa_vintage"] == 2021)]
        else:
            sel = pop[(pop["year"] == v.population) & (pop["lsoa_vintage"] == v.lsoa_vintage)]
        if sel.empty:
            from .errors import ParameterError

            raise ParameterError(
                f"deprivation.vintages: IoD{year} asks for population '{v.population}', which the population files do not hold "
                f"on LSOA {v.lsoa_vintage}. Use iod_denominator, census2021 or one of the mid-years of population.lsoa_panel."
            )
        return sel.set_index("lsoa_code")["population"].rename("residents")

    def population_base(self, year: int) -> str:
        """Plain-English population base of IoD ``year`` (stated under its tables)."""
        v = self.vintage(year)
        if v.population == "iod_denominator":
            base = {2015: "mid-2012", 2019: "mid-2015"}.get(year, "the IoD's own")
            return f"IoD{year}: residents from the IoD's own population denominators ({base}, prisoners excluded)"
        if v.population == "census2021":
            return f"IoD{year}: residents from Census 2021 usual residents"
        return f"IoD{year}: residents from the ONS mid-{v.population} estimates"

    def quintile_distribution(self) -> pd.DataFrame:
        """Contract table: residents of each within-borough quintile by area, every IoD edition."""
        frames = [
            deprivation.quintile_distribution(
                self.imd(y), self.imd_population(y), self.areas_for(self.vintage(y).lsoa_vintage), self.grouping
            )
            for y in self.imd_years
        ]
        out = pd.concat(frames, ignore_index=True)
        out["share_of_quintile_pct"] = out["share_of_quintile_pct"].round(2)
        return out

    def _imd_args(self, year: int) -> tuple[pd.DataFrame, pd.Series | None, pd.DataFrame]:
        return self.imd(year), self.imd_population(year), self.areas_for(self.vintage(year).lsoa_vintage)

    def national_position(self, year: int) -> pd.DataFrame:
        """Residents and LSOAs of each area (and the borough) by national IMD decile."""
        imd, pop, areas = self._imd_args(year)
        return deprivation.national_position(imd, pop, areas, self.grouping, total_label=self.la_name)

    def national_summary(self) -> pd.DataFrame:
        """Share of residents and LSOAs in England's most deprived 10% and 20%, every edition."""
        frames = [deprivation.national_position_summary(self.national_position(y)) for y in self.imd_years]
        return pd.concat(frames, ignore_index=True)

    def domain_profiles(self) -> pd.DataFrame:
        """Domain profile of each area and the borough, every edition (what each edition has)."""
        frames = []
        for y in self.imd_years:
            imd, pop, areas = self._imd_args(y)
            frames.append(deprivation.domain_profile(imd, pop, areas, self.grouping, total_label=self.la_name))
        return pd.concat(frames, ignore_index=True)

    @cached_property
    def lsoa11_lsoa21_lookup(self) -> pd.DataFrame:
        """The ONS LSOA 2011 -> 2021 lookup (for comparing editions across the boundary change)."""
        from .sources import read_csv_checked

        path = self.params.geography.lsoa11_lsoa21_lookup
        if path is None:
            from .errors import ParameterError

            raise ParameterError("geography.lsoa11_lsoa21_lookup is needed to compare IoD editions on LSOA 2011 and 2021.")
        return read_csv_checked(self.path(path), ["LSOA11CD", "LSOA21CD", "CHGIND"], dtype=str, label="LSOA 2011 to 2021 lookup")

    def changes(self) -> list[deprivation.ChangeResult]:
        """Change between consecutive editions (same geography, or across the LSOA 2011 -> 2021 change)."""
        out = []
        years = self.imd_years
        for a, b in zip(years, years[1:]):
            va, vb = self.vintage(a), self.vintage(b)
            if va.lsoa_vintage == vb.lsoa_vintage:
                out.append(deprivation.change_2015_2019(self.imd(a), self.imd(b), self.areas_for(vb.lsoa_vintage), self.grouping, total_label=self.la_name))
            else:
                out.append(deprivation.change_2019_2025(self.imd(a), self.imd(b), self.lsoa11_lsoa21_lookup, self.areas21, self.grouping, total_label=self.la_name))
        return out

    def la_summaries(self) -> pd.DataFrame:
        """MHCLG local authority summary measures for the borough and (indicative) each area, every edition."""
        frames = []
        for y in self.imd_years:
            imd, pop, areas = self._imd_args(y)
            borough = deprivation.la_summary_measures(imd, pop)
            borough.index = [self.la_name]
            by = areas.set_index("lsoa_code")[self.grouping]
            per_area = deprivation.la_summary_measures(imd, pop, by=by)
            both = pd.concat([borough, per_area])
            both.index.name = "area"
            both = both.reset_index()
            both.insert(0, "imd_vintage", f"IoD{y}")
            frames.append(both)
        return pd.concat(frames, ignore_index=True)

    def official_la_summary(self) -> dict[str, float] | None:
        """The published File 10 summary of the borough for the latest edition, if configured."""
        path = self.params.deprivation.la_summaries
        if path is None:
            return None
        from .sources import read_csv_checked

        cols = {
            "imd_average_score": "average_score",
            "imd_average_rank": "average_rank",
            "imd25_extent": "extent",
            "imd25_local_concentration": "local_concentration",
            "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally": "proportion_lsoas_decile_1",
        }
        t = read_csv_checked(self.path(path), ["ltla24_code", *cols], label="IoD local authority summaries")
        row = t[t["ltla24_code"] == self.params.local_authority.code]
        if row.empty:
            return None
        return {new: float(row[old].iloc[0]) for old, new in cols.items()}

    # -- grants ---------------------------------------------------------------
    @cached_property
    def grant_register(self) -> grants.Register:
        """The grant register, validated and placed in wards and areas (nothing dropped silently)."""
        g = self.params.grants
        if g is None:
            from .errors import ParameterError

            raise ParameterError("No grant register is configured (parameter grants).")
        lsoas = pd.concat([a[["lsoa_code", "ward_code"]] for a in (self.areas11, self.areas21) if a is not None]).drop_duplicates("lsoa_code")
        wards = self.wards.drop(columns=["area"])
        return grants.read_register(
            self.path(g.register), wards=wards, lsoas=lsoas, currency_rates=g.currency_rates or None,
            today=g.as_of or reference_date(), area_col=self.grouping, known_codes=self.known_codes(),
        )

    def known_codes(self) -> set[str] | None:
        """Every ward and LSOA code in the national lookups of ``grants.known_codes_from`` (``None`` if none given)."""
        files = self.params.grants.known_codes_from if self.params.grants else []
        if not files:
            return None
        codes: set[str] = set()
        for rel in files:
            lk = geography.load_lsoa_lookup(self.path(rel))
            codes |= set(lk["lsoa_code"]) | set(lk["ward_code"])
        return codes

    @property
    def grant_period(self) -> tuple[int, int] | None:
        """Award years included (``None`` = all)."""
        p = self.params.grants.period
        return tuple(p) if p else None

    def area_population(self, year: int) -> pd.Series:
        """Residents (all ages) per area in ``year`` (a year of the population table)."""
        t = self.population_by_area
        sel = t[(t["year"] == year) & (t["age_band"] == "all")]
        if sel.empty:
            from .errors import ParameterError

            raise ParameterError(
                f"grants.population_year is {year}, which is not a year of the population table; "
                f"choose one of {', '.join(map(str, sorted(t['year'].unique())))}."
            )
        return sel.set_index("area")["population"].rename_axis(self.grouping)

    def deprived_by_area(self, year: int) -> pd.Series:
        """Residents of the borough's most deprived fifth of neighbourhoods, per area, IoD ``year``."""
        imd, pop, areas = self._imd_args(year)
        d = deprivation.quintile_distribution(imd, pop, areas, self.grouping)
        q1 = d[d["quintile"] == 1].set_index(self.grouping)["residents"]
        return q1.astype(float)

    def grants_by_area(self) -> pd.DataFrame:
        """Contract table ``grants_by_<grouping>.csv``: grants, £, £ per head and shares per area."""
        g = self.params.grants
        return grants.summarise_by_area(self.grant_register, self.area_population(g.population_year), self.grant_period)

    def grants_fair_share(self) -> pd.DataFrame:
        """Share of grant £ against share of residents and of most-deprived residents, per area."""
        return grants.fair_share(self.grants_by_area(), self.deprived_by_area(self.params.grants.deprivation_edition))

    def ward_deprivation(self, year: int) -> pd.DataFrame:
        """Population-weighted average IMD score and residents per ward, IoD ``year``."""
        imd, pop, areas = self._imd_args(year)
        by = areas.set_index("lsoa_code")["ward_code"]
        w = deprivation.la_summary_measures(imd, pop, by=by)
        w.index.name = "ward_code"
        return w[["residents", "average_score"]]

    def grants_concentration(self) -> grants.ConcentrationResult:
        """Concentration index of grant £ across wards ranked by deprivation (negative = pro-poor)."""
        year = self.params.grants.deprivation_edition
        wd = self.ward_deprivation(year)
        amounts = grants.by_ward(self.grant_register, self.grant_period).set_index("ward_code")["amount_awarded_gbp"]
        amounts = amounts.reindex(wd.index, fill_value=0.0)
        return grants.concentration_index(amounts, wd["average_score"], wd["residents"], higher_is_more_deprived=True)

    def allocation_budget(self) -> float:
        """The yearly budget the allocation model splits (parameter, or the area partnership budgets added up)."""
        g = self.params.grants
        if g.allocation.budget_gbp is not None:
            return float(g.allocation.budget_gbp)
        if g.budget_grouping not in self.wards.columns:
            from .errors import ParameterError

            raise ParameterError(
                f"grants.budget_grouping is '{g.budget_grouping}', which is not a column of the ward mapping; "
                f"valid: {', '.join(c for c in self.wards.columns if c not in ('ward_code', 'ward_name', 'area'))}."
            )
        return float(g.budget_per_area_partnership_gbp * self.wards[g.budget_grouping].nunique())

    def allocation(self) -> pd.DataFrame:
        """The proportionate-universalism allocation of :meth:`allocation_budget` across areas."""
        a = self.params.grants.allocation
        return grants.allocation_model(
            self.area_population(self.params.grants.population_year), self.deprived_by_area(self.params.grants.deprivation_edition),
            self.allocation_budget(), a.base_share, a.weight_population, a.weight_deprivation, area_col=self.grouping,
        )

    def allocation_sensitivity(self) -> pd.DataFrame:
        """How the allocation moves as the deprivation weight goes from 0 to 1."""
        a = self.params.grants.allocation
        return grants.allocation_sensitivity(
            self.area_population(self.params.grants.population_year), self.deprived_by_area(self.params.grants.deprivation_edition),
            self.allocation_budget(), a.base_share, area_col=self.grouping,
        )

    # -- boundary options -------------------------------------------------------
    def grouping_comparison(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Compare the groupings in ``groupings.options`` on the latest IoD edition and its population.

        Returns
        -------
        tuple
            The contract table ``grouping_comparison.csv`` (one row per grouping and area) and
            the balance summary (one row per grouping).
        """
        latest = self.params.deprivation.latest
        lv = self.vintage(latest).lsoa_vintage
        areas = self.areas_for(lv)
        pop = self.lsoa_population[self.lsoa_population["lsoa_vintage"] == lv]
        year = int(pop.loc[pop["age_band"] == "16-64", "year"].max())
        wide = pop[pop["year"] == year].pivot_table(index="lsoa_code", columns="age_band", values="population").reset_index()
        frame = groupings.lsoa_frame(areas, self.imd(latest), wide)
        borough_wards = sorted(areas["ward_code"].unique())
        d = self.params.groupings.demand
        tables = []
        for opt in self.params.groupings.options:
            g = groupings.load_grouping(self.path(opt.file), opt.column, opt.name, opt.label, borough_wards)
            tables.append(groupings.compare(frame, g, d.dependant_weight, d.quintile_weights))
        comparison = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=groupings.COMPARISON_COLUMNS)
        return comparison, groupings.balance(comparison)

    def reconciliation(self) -> dict[str, Any]:
        """Run the build-time checks on every input; raise on failure, return what was checked.

        Every configured input is loaded here, before any notebook runs, so a bad file is a
        clear error (exit 2) rather than a failure half-way through a pack.
        """
        out: dict[str, Any] = {}
        for name, areas in (("lsoa11_one_area_each", self.areas11), ("lsoa21_one_area_each", self.areas21)):
            if areas is not None:
                out[name] = geography.check_one_area_per_lsoa(areas)
        out["population_coverage"] = population.check_coverage(self.lsoa_population, self.areas11, self.areas21, self._population_files())
        by_area = population.population_by_area(self.lsoa_population, self.areas11, self.areas21)
        out["population_totals_by_year"] = population.check_totals(self.lsoa_population, by_area)
        self._load_every_input()
        if self.params.grants is not None:
            out["grants"] = self._check_grants()
        return out

    def _population_files(self) -> dict[int, str]:
        p = self.params.population
        return {2011: p.lsoa_panel or "", 2021: p.census2021 or ""}

    def _load_every_input(self) -> None:
        """Load (and so validate) every configured input not already checked."""
        from . import maps

        for y in self.imd_years:
            self.imd_population(y)
            deprivation.quintile_distribution(*self._imd_args(y), self.grouping)
        if self.params.population.single_year_of_age:
            self.single_year_of_age
        if len(self.imd_years) > 1 and self.params.geography.lsoa11_lsoa21_lookup:
            self.lsoa11_lsoa21_lookup
        self.official_la_summary()
        g = self.params.geography
        for rel in (g.lsoa11_boundaries, g.lsoa21_boundaries):
            if rel:
                maps.read_geojson_polygons(self.path(rel))
        if g.ward_boundaries:
            maps.read_topojson(self.path(g.ward_boundaries))
        if self.params.groupings.options:
            self.grouping_comparison()
        if self.params.grants is not None:
            self.area_population(self.params.grants.population_year)
            self.deprived_by_area(self.params.grants.deprivation_edition)

    def _check_grants(self) -> str:
        reg = self.grant_register
        rec = reg.reconciliation
        if not rec.balanced:
            from .errors import ReconciliationError

            raise ReconciliationError(f"Grant register check failed: {rec.sentence}")
        if len(reg.rejected) and self.params.grants.invalid_rows == "error":
            from .errors import GrantsError

            first = reg.rejected.head(3)
            listed = "; ".join(f"row {int(r.source_row)}: {r.reason}" for r in first.itertuples())
            more = f" (and {len(reg.rejected) - 3} more)" if len(reg.rejected) > 3 else ""
            raise GrantsError(
                f"Grant register '{reg.path}' has {len(reg.rejected)} invalid row(s): {listed}{more}. "
                "Correct the file, or set grants.invalid_rows: report to publish with those rows listed as rejected."
            )
        return rec.sentence
