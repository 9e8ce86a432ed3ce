"""Parameter models: the schema of every YAML file in ``params/`` (pydantic, strict).

Unknown keys and wrong types are errors (``extra="forbid"``); the models are frozen, so the
parameters of a pack cannot change once validated.
"""

from __future__ import annotations

import warnings
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalAuthority(_Strict):
    """The local authority the packs describe."""

    code: str = Field(pattern=r"^E0[6-9]\d{6}$", description="ONS local authority code, e.g. E08000030")
    name: str = Field(min_length=1)


class Geography(_Strict):
    """Geography files and the grouping of wards into pack areas."""

    ward_area_mapping: str | None = Field(None, description="ward -> area CSV; null: every ward is its own area")
    grouping: str = Field("locality", pattern=r"^[a-z][a-z0-9_]*$", description="name of the grouping; names the area column of every table")
    grouping_column: str | None = Field(None, description="column of the mapping holding the area names; default: the grouping's name")
    grouping_label: str = "Locality"
    lsoa11_ward_lookup: str | None = None
    lsoa21_ward_lookup: str | None = None
    lsoa11_lsoa21_lookup: str | None = None
    lsoa11_boundaries: str | None = None
    lsoa21_boundaries: str | None = None
    ward_boundaries: str | None = None


class Population(_Strict):
    """Population files and methods."""

    lsoa_panel: str | None = None
    single_year_of_age: str | None = None
    census2021: str | None = None
    estimate_years: list[int] = Field(default_factory=lambda: [2014])
    baseline_year: int = 2014
    pyramid_year: int = 2020

    @field_validator("estimate_years")
    @classmethod
    def _years_sorted_unique(cls, v: list[int]) -> list[int]:
        return sorted(set(v))

    @model_validator(mode="after")
    def _some_population(self) -> Population:
        if self.lsoa_panel is None and self.census2021 is None:
            raise ValueError("give population.lsoa_panel, population.census2021 or both")
        return self


class ImdVintage(_Strict):
    """One edition of the English Indices of Deprivation."""

    year: int = Field(ge=2004, le=2100, description="IoD edition, e.g. 2025")
    file: str
    lsoa_vintage: Literal[2011, 2021]
    population: Literal["iod_denominator", "census2021"] | int = Field(
        "iod_denominator",
        description="residents per LSOA: the IoD's own denominators, Census 2021, or a mid-year of population.lsoa_panel",
    )


class Deprivation(_Strict):
    """Deprivation data and methods."""

    vintages: list[ImdVintage] = Field(min_length=1)
    latest: int
    la_summaries: str | None = None
    most_deprived_n: int = Field(10, ge=1, le=100)

    @field_validator("vintages")
    @classmethod
    def _unique_years(cls, v: list[ImdVintage]) -> list[ImdVintage]:
        years = [x.year for x in v]
        if len(set(years)) != len(years):
            raise ValueError(f"each IoD edition may appear once, got {years}")
        return sorted(v, key=lambda x: x.year)


class Allocation(_Strict):
    """Proportionate-universalism allocation model: a base share split equally, the rest by need."""

    budget_gbp: float | None = Field(None, ge=0, description="yearly budget to split; default: the area partnership budgets added up")
    base_share: float = Field(0.25, ge=0, le=1)
    weight_population: float = Field(0.5, ge=0, le=1)
    weight_deprivation: float = Field(0.5, ge=0, le=1)

    @model_validator(mode="after")
    def _weights_add_up(self) -> Allocation:
        if abs(self.weight_population + self.weight_deprivation - 1) > 1e-9:
            raise ValueError(
                f"weight_population ({self.weight_population}) and weight_deprivation ({self.weight_deprivation}) must add up to 1"
            )
        return self


warnings.filterwarnings("ignore", message='Field name "register" in "Grants" shadows an attribute')


class Grants(_Strict):
    """The grant register and the grant analysis."""

    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())

    register: str
    description: str = Field(min_length=1, description="what the register is, shown in the pack")
    placement_note: str = Field(min_length=1, description="how grants are placed in wards, shown in the pack")
    illustrative: bool = Field(False, description="true for made-up example registers: every page is labelled")
    area_partnership_programme: bool = Field(False, description="true when the register is the council's own area partnership programme")
    period: tuple[int, int] | None = Field(None, description="first and last award year to include; null = all")
    as_of: date | None = Field(None, description="award dates after this are rejected; null = the build date")
    currency_rates: dict[str, float] = Field(default_factory=dict, description="GBP per unit of each other currency")
    population_year: int = Field(2015, description="residents used for £ per head (a year of the population table)")
    deprivation_edition: int = Field(2015, description="IoD edition used for fair shares and the concentration index")
    budget_per_area_partnership_gbp: float = Field(40000, ge=0)
    budget_grouping: str = Field("area_partnership", description="mapping column the budget applies to")
    financial_years: list[str] = Field(default_factory=list, description="e.g. ['2013/14', '2014/15']")
    allocation: Allocation = Field(default_factory=lambda: Allocation.model_validate({}))
    top_recipients: int = Field(10, ge=1, le=100)
    known_codes_from: list[str] = Field(
        default_factory=list,
        description="national LSOA -> ward lookups whose codes count as real: a grant coded with any other E05/E01 code is rejected",
    )
    invalid_rows: Literal["error", "report"] = Field(
        "error",
        description="error: stop the build if any row is invalid; report: publish, listing rejected rows in the reconciliation",
    )


class GroupingOption(_Strict):
    """One way of grouping wards into areas, compared in the options appraisal."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    file: str
    column: str


class Demand(_Strict):
    """How the demand index weights residents."""

    dependant_weight: float = Field(1.5, ge=0, description="a child (0-15) or older resident (65+) counts this many working-age residents")
    quintile_weights: dict[int, float] = Field(
        default_factory=lambda: {1: 1.5, 2: 1.25, 3: 1.0, 4: 1.0, 5: 1.0},
        description="multiplier per within-borough IMD quintile (1 = most deprived)",
    )


class Groupings(_Strict):
    """The groupings compared side by side in the borough pack."""

    options: list[GroupingOption] = Field(default_factory=list)
    demand: Demand = Field(default_factory=lambda: Demand.model_validate({}))

    @field_validator("options")
    @classmethod
    def _unique_names(cls, v: list[GroupingOption]) -> list[GroupingOption]:
        names = [o.name for o in v]
        if len(set(names)) != len(names):
            raise ValueError(f"each grouping name may appear once, got {names}")
        return v


class Context(_Strict):
    """Local context shown at the start of each section (Markdown; the council's own words and papers)."""

    population: str = ""
    deprivation: str = ""
    grants: str = ""
    options: str = ""


class PackParams(_Strict):
    """All parameters of one pack, after merging; the schema of every YAML file."""

    pack: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1)
    area: str | None = None
    local_authority: LocalAuthority
    data_dir: str = "data"
    geography: Geography
    population: Population
    deprivation: Deprivation
    grants: Grants | None = None
    groupings: Groupings = Field(default_factory=Groupings)
    context: Context = Field(default_factory=Context)
    packs: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _latest_is_a_vintage(self) -> PackParams:
        years = [v.year for v in self.deprivation.vintages]
        if self.deprivation.latest not in years:
            raise ValueError(f"deprivation.latest is {self.deprivation.latest}, which is not one of the editions {years}")
        if self.geography.lsoa11_ward_lookup is None and self.geography.lsoa21_ward_lookup is None:
            raise ValueError("give geography.lsoa11_ward_lookup, geography.lsoa21_ward_lookup or both")
        if self.grants is not None and self.grants.deprivation_edition not in years:
            raise ValueError(f"grants.deprivation_edition is {self.grants.deprivation_edition}, which is not one of the editions {years}")
        return self

    @property
    def is_borough(self) -> bool:
        """True for the borough overview (no single area)."""
        return self.area is None

