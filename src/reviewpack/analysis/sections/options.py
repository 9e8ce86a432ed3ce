"""Boundary options: ways of grouping the borough's wards into areas, compared on population, need and demand."""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from ...ingest import groupings as grouping_files
from ...ingest.inputs import PackInputs
from .. import groupings
from ..basis import OptionsBasis, Scope
from .deprivation import DeprivationSection


class OptionsSection:
    """Every grouping in ``groupings.options`` side by side, on the latest IoD edition and its population.

    Parameters
    ----------
    inputs : PackInputs
        The pack's input frames.
    scope : Scope
        The pack's area and grouping.
    deprivation : DeprivationSection
        Gives the latest edition's within-borough quintiles.
    """

    def __init__(self, inputs: PackInputs, scope: Scope, deprivation: DeprivationSection) -> None:
        self.inputs = inputs
        self.scope = scope
        self.params = inputs.params.groupings
        self.deprivation = deprivation

    @property
    def labels(self) -> dict[str, str]:
        """Each option's name -> its label for readers."""
        return {o.name: o.label for o in self.params.options}

    def _population(self) -> tuple[int, pd.DataFrame]:
        latest = self.deprivation.latest
        pop = self.inputs.lsoa_population
        pop = pop[pop["lsoa_vintage"] == latest.lsoa_geography]
        year = int(pop.loc[pop["age_band"] == "16-64", "year"].max())
        wide = pop[pop["year"] == year].pivot_table(index="lsoa_code", columns="age_band", values="population").reset_index()
        return year, wide

    @cached_property
    def basis(self) -> OptionsBasis:
        """The latest IoD edition and the latest population year with age bands on its geography."""
        return OptionsBasis(edition=self.deprivation.latest, population_year=self._population()[0])

    @cached_property
    def _tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        latest = self.deprivation.latest.edition
        areas = self.deprivation.areas(latest)
        frame = groupings.lsoa_frame(areas, self.deprivation.imd(latest), self._population()[1])
        borough_wards = sorted(areas["ward_code"].unique())
        d = self.params.demand
        tables = []
        for opt in self.params.options:
            g = grouping_files.load_grouping(self.inputs.path(opt.file), opt.column, opt.name, opt.label, borough_wards)
            tables.append(groupings.compare(frame, g, d.dependant_weight, d.quintile_weights))
        comparison = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=groupings.COMPARISON_COLUMNS)
        return comparison, groupings.balance(comparison)

    def comparison(self) -> pd.DataFrame:
        """Contract table ``grouping_comparison.csv``: one row per grouping and area."""
        return self._tables[0]

    def balance(self) -> pd.DataFrame:
        """How balanced each grouping's areas are (one row per grouping)."""
        return self._tables[1]
