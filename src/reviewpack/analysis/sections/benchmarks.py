"""Compared with England, the region and councils like us (the whole authority's pack).

The section object reads the national files named in ``benchmarks`` once (only the columns it
needs) and gives the tables behind the section; the method is in :mod:`reviewpack.analysis.benchmarks`.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from ...errors import ParameterError
from ...ingest import national
from ...ingest.inputs import PackInputs
from .. import benchmarks
from ..basis import Scope


class BenchmarksSection:
    """The council against England, its region and its nearest (or chosen) councils.

    Parameters
    ----------
    inputs : PackInputs
        The pack's input frames (``benchmarks`` must be configured).
    scope : Scope
        The pack's local authority.
    """

    #: IoD edition and Census year of every figure of the section.
    edition = 2025
    census_year = 2021

    def __init__(self, inputs: PackInputs, scope: Scope) -> None:
        if inputs.params.benchmarks is None:
            raise ParameterError("benchmarks is not configured, so there is no comparison with England.", parameter="benchmarks")
        self.inputs = inputs
        self.scope = scope
        self.params = inputs.params.benchmarks

    @cached_property
    def imd(self) -> pd.DataFrame:
        """IoD 2025, every LSOA 2021 in England."""
        return national.load_imd_england(self.inputs.path(self.params.imd_england))

    @cached_property
    def age(self) -> pd.DataFrame:
        """Census 2021 residents (all, 0-15, 65+) of every LSOA 2021."""
        return national.load_census_age(self.inputs.path(self.params.census_age))

    @cached_property
    def councils(self) -> pd.DataFrame:
        """Every English council's measures (File 10, Census 2021 age, residents' shares; region if configured)."""
        regions = national.load_regions(self.inputs.path(self.params.regions)) if self.params.regions else None
        summaries = national.load_la_summaries(self.inputs.path(self.params.la_summaries))
        return benchmarks.council_measures(summaries, self.imd, self.age, regions)

    @property
    def has_region(self) -> bool:
        """Whether the region lookup is configured."""
        return self.params.regions is not None

    @property
    def chosen_by_user(self) -> bool:
        """Whether the neighbours are the user's list (``benchmarks.neighbours``) rather than the nearest."""
        return self.params.neighbours is not None

    def england(self) -> pd.DataFrame:
        """Contract table: each measure for the council, England (distribution of councils) and the region."""
        return self._england.copy()

    @cached_property
    def _england(self) -> pd.DataFrame:
        t = benchmarks.benchmark_table(self.councils, self.imd, self.age, self.scope.la_code)
        if not self.has_region:
            t = t.drop(columns=["region_name", "region_value", "vs_region"])
        return t

    def neighbours(self) -> pd.DataFrame:
        """The comparator councils: order, code, name, (region), distance and the measures."""
        return self._neighbours.copy()

    @cached_property
    def _neighbours(self) -> pd.DataFrame:
        if self.params.neighbours is not None:
            return benchmarks.chosen_neighbours(self.councils, self.scope.la_code, self.params.neighbours)
        return benchmarks.nearest_neighbours(self.councils, self.scope.la_code, self.params.n_neighbours)

    def neighbour_ranks(self) -> pd.DataFrame:
        """Where the council ranks among itself and its neighbours on each measure."""
        return benchmarks.neighbour_ranks(self.councils, self._neighbours, self.scope.la_code)

    def check(self) -> dict[str, int]:
        """Read the national files and make the tables (the build runs this before any notebook)."""
        self.england()
        return {"benchmark_councils": len(self.councils), "benchmark_neighbours": len(self._neighbours)}
