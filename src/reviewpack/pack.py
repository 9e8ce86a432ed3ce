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

from . import geography, population
from .config import PackParams, data_path, find_project_root, load_pack_params


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
        """Ward -> area mapping with an ``area`` column."""
        return geography.load_ward_areas(self.path(self.params.geography.ward_area_mapping), self.grouping)

    @cached_property
    def areas(self) -> list[str]:
        """All areas of the grouping, in reading order."""
        return geography.area_order(self.wards)

    @cached_property
    def areas11(self) -> pd.DataFrame:
        """LSOA 2011 -> ward -> area."""
        lk = geography.load_lsoa_lookup(self.path(self.params.geography.lsoa11_ward_lookup), self.params.local_authority.code)
        return geography.lsoa_areas(lk, self.wards)

    @cached_property
    def areas21(self) -> pd.DataFrame:
        """LSOA 2021 -> ward -> area."""
        lk = geography.load_lsoa_lookup(self.path(self.params.geography.lsoa21_ward_lookup), self.params.local_authority.code)
        return geography.lsoa_areas(lk, self.wards)

    # -- population -----------------------------------------------------------
    @cached_property
    def lsoa_population(self) -> pd.DataFrame:
        """Long LSOA population table (all data years, all bands)."""
        p = self.params.population
        census = self.path(p.census2021) if p.census2021 else None
        return population.load_lsoa_population(self.path(p.lsoa_panel), census)

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
            raise ValueError("population.single_year_of_age is not set")
        return population.load_single_year_of_age(self.path(path))

    def reconciliation(self) -> dict[str, Any]:
        """Run the build-time reconciliation checks; raise on failure, return what was checked."""
        by_area = population.population_by_area(self.lsoa_population, self.areas11, self.areas21)
        return {
            "population_totals_by_year": population.check_totals(self.lsoa_population, by_area),
            "lsoa11_one_area_each": geography.check_one_area_per_lsoa(self.areas11),
            "lsoa21_one_area_each": geography.check_one_area_per_lsoa(self.areas21),
        }
