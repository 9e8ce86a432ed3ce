"""One pack's raw inputs, each read and validated once: ward mapping, lookups, population, IoD, grants.

:class:`PackInputs` only reads files (through the readers of this layer) and caches the frames;
it makes no analytic choice.  Which population weights an IoD edition, which year grants are
divided by, and every table shown are decided in :mod:`reviewpack.analysis.sections`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config import PackParams, data_path, reference_date
from ..errors import ParameterError
from . import geography, imd, population
from .files import read_csv_checked

if TYPE_CHECKING:
    from .threesixtygiving import Register

#: File 10 columns (IoD2025 local authority summaries) -> our names.
FILE10_COLUMNS = {
    "imd_average_score": "average_score",
    "imd_average_rank": "average_rank",
    "imd25_extent": "extent",
    "imd25_local_concentration": "local_concentration",
    "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally": "proportion_lsoas_decile_1",
}


@dataclass
class PackInputs:
    """The validated frames of one pack's input files, read lazily and once.

    Attributes
    ----------
    root : Path
        Project root (file names in the parameters are relative to ``root / data_dir``).
    params : PackParams
        The pack's validated parameters.
    """

    root: Path
    params: PackParams
    _imd: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False)
    _lookups: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def path(self, relative: str) -> Path:
        """A file named in the parameters, resolved under ``data_dir``."""
        return data_path(self.root, self.params, relative)

    # -- geography -------------------------------------------------------------
    def lookup(self, relative: str) -> pd.DataFrame:
        """An ONS LSOA -> ward lookup, restricted to the local authority."""
        if relative not in self._lookups:
            self._lookups[relative] = geography.load_lsoa_lookup(self.path(relative), self.params.local_authority.code)
        return self._lookups[relative]

    @cached_property
    def wards(self) -> pd.DataFrame:
        """Ward -> area mapping with an ``area`` column (every ward its own area when no mapping is given)."""
        g = self.params.geography
        if g.ward_area_mapping is None:
            lookup_file = g.lsoa21_ward_lookup or g.lsoa11_ward_lookup
            assert lookup_file is not None, "the parameter model requires a ward lookup when there is no mapping"
            return self._with_grouping_options(geography.wards_from_lookup(self.lookup(lookup_file), g.grouping))
        return geography.load_ward_areas(self.path(g.ward_area_mapping), g.grouping, g.grouping_column)

    def _with_grouping_options(self, wards: pd.DataFrame) -> pd.DataFrame:
        """Wards as areas: each ``groupings.options`` grouping's area as a column named after it.

        With no mapping file (``--grouping ward``) the ward table would lose the columns a mapping
        gives (e.g. ``area_partnership``), which the grant budget and allocation model count; the
        grouping files hold them, each checked to cover every ward exactly once.
        """
        from .groupings import load_grouping

        for opt in self.params.groupings.options:
            if opt.name in wards.columns:
                continue
            grouping = load_grouping(self.path(opt.file), opt.column, opt.name, opt.label, list(wards["ward_code"]))
            wards[opt.name] = wards["ward_code"].map(grouping.wards.set_index("ward_code")["area"])
        return wards

    @cached_property
    def areas11(self) -> pd.DataFrame | None:
        """LSOA 2011 -> ward -> area (``None`` when no LSOA 2011 lookup is configured)."""
        rel = self.params.geography.lsoa11_ward_lookup
        return geography.lsoa_areas(self.lookup(rel), self.wards) if rel else None

    @cached_property
    def areas21(self) -> pd.DataFrame | None:
        """LSOA 2021 -> ward -> area (``None`` when no LSOA 2021 lookup is configured)."""
        rel = self.params.geography.lsoa21_ward_lookup
        return geography.lsoa_areas(self.lookup(rel), self.wards) if rel else None

    def areas_on(self, lsoa_geography: int) -> pd.DataFrame:
        """LSOA -> ward -> area on LSOA 2011 or 2021 boundaries.

        Raises
        ------
        ParameterError
            If no lookup for that geography is configured.
        """
        areas = self.areas11 if lsoa_geography == 2011 else self.areas21
        if areas is None:
            key = "lsoa11_ward_lookup" if lsoa_geography == 2011 else "lsoa21_ward_lookup"
            raise ParameterError(f"geography.{key} is needed for data on LSOA {lsoa_geography} boundaries.", parameter=f"geography.{key}")
        return areas

    @property
    def lsoa_codes(self) -> set[str]:
        """Every LSOA (2011 and 2021) of the local authority."""
        return set().union(*(set(a["lsoa_code"]) for a in (self.areas11, self.areas21) if a is not None))

    @cached_property
    def lsoa11_lsoa21_lookup(self) -> pd.DataFrame:
        """The ONS LSOA 2011 -> 2021 lookup (to compare editions across the boundary change)."""
        rel = self.params.geography.lsoa11_lsoa21_lookup
        if rel is None:
            raise ParameterError(
                "geography.lsoa11_lsoa21_lookup is needed to compare IoD editions on LSOA 2011 and 2021.",
                parameter="geography.lsoa11_lsoa21_lookup",
            )
        return read_csv_checked(self.path(rel), ["LSOA11CD", "LSOA21CD", "CHGIND"], dtype=str, label="LSOA 2011 to 2021 lookup")

    def newer_wards(self) -> tuple[int, str] | None:
        """``(number of wards, when they came into use)`` from ``geography.newer_wards``, if configured."""
        newer = self.params.geography.newer_wards
        if newer is None:
            return None
        table = read_csv_checked(self.path(newer.file), [], dtype=str, label="newer wards list")
        return len(table.dropna(how="all")), newer.in_use_from

    # -- population ------------------------------------------------------------
    @cached_property
    def lsoa_population(self) -> pd.DataFrame:
        """Long LSOA population table: every data year, age band and LSOA geography."""
        p = self.params.population
        census = self.path(p.census2021) if p.census2021 else None
        panel = self.path(p.lsoa_panel) if p.lsoa_panel else None
        return population.load_lsoa_population(panel, census, self.lsoa_codes)

    def population_files(self) -> dict[int, str]:
        """The population file of each LSOA geography (named in coverage errors)."""
        p = self.params.population
        return {2011: p.lsoa_panel or "", 2021: p.census2021 or ""}

    @cached_property
    def single_year_of_age(self) -> pd.DataFrame:
        """Single-year-of-age LSOA population (long)."""
        rel = self.params.population.single_year_of_age
        if rel is None:
            raise ParameterError(
                "population.single_year_of_age is not set, so there is no age profile.", parameter="population.single_year_of_age"
            )
        return population.load_single_year_of_age(self.path(rel))

    # -- deprivation -------------------------------------------------------------
    def imd(self, edition: int) -> pd.DataFrame:
        """The local authority's LSOAs in IoD ``edition``, standardised (as published: no quintiles).

        With ``file7`` configured for the edition, the columns its file lacks (IDACI, IDAOPI, the
        IoD's own population denominators) are added from the official File 7 rows.
        """
        if edition not in self._imd:
            v = next((v for v in self.params.deprivation.vintages if v.year == edition), None)
            if v is None:
                years = ", ".join(str(v.year) for v in self.params.deprivation.vintages)
                raise ParameterError(f"IoD{edition} is not among deprivation.vintages ({years}).", parameter="deprivation.vintages")
            frame = imd.load_imd(self.path(v.file), edition, self.params.local_authority.code)
            if v.file7:
                frame = imd.add_file7(frame, imd.load_imd(self.path(v.file7), edition, self.params.local_authority.code))
            self._imd[edition] = frame
        return self._imd[edition]

    def official_la_summary(self) -> dict[str, float] | None:
        """MHCLG's published File 10 summary measures of the local authority (latest edition), if configured."""
        rel = self.params.deprivation.la_summaries
        if rel is None:
            return None
        t = read_csv_checked(self.path(rel), ["ltla24_code", *FILE10_COLUMNS], label="IoD local authority summaries")
        row = t[t["ltla24_code"] == self.params.local_authority.code]
        if row.empty:
            return None
        return {new: float(row[old].iloc[0]) for old, new in FILE10_COLUMNS.items()}

    # -- grants ------------------------------------------------------------------
    def known_codes(self) -> set[str] | None:
        """Every ward and LSOA code in the national lookups of ``grants.known_codes_from`` (``None`` if none)."""
        files = self.params.grants.known_codes_from if self.params.grants else []
        if not files:
            return None
        codes: set[str] = set()
        for rel in files:
            lk = geography.load_lsoa_lookup(self.path(rel))
            codes |= set(lk["lsoa_code"]) | set(lk["ward_code"])
        return codes

    @cached_property
    def grant_register(self) -> Register:
        """The grant register, every row checked and placed in a ward and area (nothing dropped silently)."""
        from .threesixtygiving import read_register

        g = self.params.grants
        if g is None:
            raise ParameterError("No grant register is configured (parameter grants).", parameter="grants")
        lsoas = pd.concat([a[["lsoa_code", "ward_code"]] for a in (self.areas11, self.areas21) if a is not None])
        return read_register(
            self.path(g.register),
            wards=self.wards.drop(columns=["area"]),
            lsoas=lsoas.drop_duplicates("lsoa_code"),
            currency_rates=g.currency_rates or None,
            today=g.as_of or reference_date(),
            area_col=self.params.geography.grouping,
            known_codes=self.known_codes(),
            sheet=g.sheet,
            postcode_lookup=self.path(g.postcode_lookup) if g.postcode_lookup else None,
        )

    def files_read(self) -> dict[str, Any]:
        """Load every configured input once (used by the build's checks before any notebook runs)."""
        from . import boundaries

        for v in self.params.deprivation.vintages:
            self.imd(v.year)
        if self.params.population.single_year_of_age:
            _ = self.single_year_of_age
        if len(self.params.deprivation.vintages) > 1 and self.params.geography.lsoa11_lsoa21_lookup:
            _ = self.lsoa11_lsoa21_lookup
        self.official_la_summary()
        g = self.params.geography
        for rel in (g.lsoa11_boundaries, g.lsoa21_boundaries):
            if rel:
                boundaries.read_geojson_polygons(self.path(rel))
        if g.ward_boundaries:
            boundaries.read_topojson(self.path(g.ward_boundaries))
        return {}
