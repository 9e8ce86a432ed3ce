"""Demand beyond age: Census 2021 disability, household deprivation, overcrowding, social renting and ethnic group.

The section object reads the Census 2021 topic files named in ``census_topics`` once and gives
the table behind the section; the formulas (proportions, Wilson intervals, the comparison rule)
are in :mod:`reviewpack.analysis.demand`.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from ...errors import ParameterError
from ...ingest import census_topics
from ...ingest.inputs import PackInputs
from .. import demand
from ..basis import Scope


class DemandSection:
    """Census 2021 proportions of one pack: each area and the borough, against the borough and England.

    Parameters
    ----------
    inputs : PackInputs
        The pack's input frames (``census_topics`` must be configured).
    scope : Scope
        The pack's area and grouping.
    """

    #: The Census year every figure of the section is from.
    census_year = 2021

    def __init__(self, inputs: PackInputs, scope: Scope) -> None:
        if inputs.params.census_topics is None:
            raise ParameterError("census_topics is not configured, so there is no 'Demand beyond age' section.", parameter="census_topics")
        self.inputs = inputs
        self.scope = scope
        self.params = inputs.params.census_topics
        self.measures = demand.MEASURES

    @cached_property
    def lsoa_area(self) -> pd.Series:
        """LSOA 2021 code -> area."""
        areas = self.inputs.areas_on(2021)
        return areas.set_index("lsoa_code")[self.scope.grouping]

    @cached_property
    def local(self) -> pd.DataFrame:
        """The local authority's Census topic rows (the tables the measures need)."""
        return census_topics.load_topics(
            self.inputs.path(self.params.file), demand.tables_needed(self.measures), list(self.lsoa_area.index)
        )

    @cached_property
    def england(self) -> pd.DataFrame | None:
        """England's Census topic rows, without the LSOA column (``None``: no England file configured)."""
        if self.params.england is None:
            return None
        return census_topics.load_topics(
            self.inputs.path(self.params.england), demand.tables_needed(self.measures), with_lsoa=False, label="England Census 2021 topics file"
        )

    @property
    def has_england(self) -> bool:
        """Whether the England comparator is configured."""
        return self.params.england is not None

    def table(self) -> pd.DataFrame:
        """Contract table: every measure for every area and the borough, with its 95% interval and the comparisons."""
        return self._table.copy()

    @cached_property
    def _table(self) -> pd.DataFrame:
        return demand.demand_table(
            self.local, self.lsoa_area, self.scope.areas, self.scope.la_name, self.england, area_col=self.scope.grouping, measures=self.measures
        )

    def focus(self) -> pd.DataFrame:
        """The rows of the pack's own area (the borough's rows in the borough pack), one per measure."""
        t = self.table()
        return t[t[self.scope.grouping] == self.scope.area_label].reset_index(drop=True)

    def check(self) -> dict[str, int]:
        """Read both files and make the table (the build runs this before any notebook)."""
        t = self.table()
        return {"census_topics_measures": int(t["demand_measure"].nunique())}
