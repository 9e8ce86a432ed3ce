"""Parameter models: the schema of every YAML file in ``params/`` (pydantic, strict).

Unknown keys and wrong types are errors (``extra="forbid"``); the models are frozen, so the
parameters of a pack cannot change once validated.
"""

from __future__ import annotations

import re
import warnings
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

#: a weight or multiplier: a finite number from 0 to 100 (NaN and infinity are refused)
Weight = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
#: an amount of money in pounds: finite, from 0 to a trillion
Pounds = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _no_control(v: str) -> str:
    bad = _CONTROL.search(v)
    if bad:
        raise ValueError(f"holds a control character (U+{ord(bad.group()):04X}), which would reach the terminal and the page; remove it")
    return v


#: a name or title shown to readers: no control characters (line breaks and tabs are allowed)
Text = Annotated[str, AfterValidator(_no_control)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalAuthority(_Strict):
    """The local authority the packs describe."""

    code: str = Field(pattern=r"^E0[6-9]\d{6}$", description="ONS local authority code, e.g. E08000030")
    name: Text = Field(min_length=1, max_length=200)


class NewerWards(_Strict):
    """Wards newer than the LSOA lookups' (e.g. Walsall's from May 2026), listed but not yet usable."""

    file: str = Field(description="CSV listing the new wards (one row per ward)")
    in_use_from: Text = Field(min_length=1, max_length=60, description="when they came into use, e.g. 'May 2026'")


class Geography(_Strict):
    """Geography files and the grouping of wards into pack areas."""

    ward_area_mapping: str | None = Field(None, description="ward -> area CSV; null: every ward is its own area")
    grouping: str = Field("area", pattern=r"^[a-z][a-z0-9_]*$", description="name of the grouping; names the area column of every table")
    grouping_column: str | None = Field(None, description="column of the mapping holding the area names; default: the grouping's name")
    grouping_label: Text = Field("Area", min_length=1, max_length=100)
    lsoa11_ward_lookup: str | None = None
    lsoa21_ward_lookup: str | None = None
    lsoa11_lsoa21_lookup: str | None = None
    lsoa11_boundaries: str | None = None
    lsoa21_boundaries: str | None = None
    ward_boundaries: str | None = None
    newer_wards: NewerWards | None = Field(
        None, description="wards that replaced the lookups' wards but have no LSOA lookup yet: the packs say so"
    )


class Population(_Strict):
    """Population files and methods."""

    lsoa_panel: str | None = None
    single_year_of_age: str | None = None
    census2021: str | None = None
    estimate_years: list[int] = Field(default_factory=list, description="years to estimate by interpolation (e.g. a review's baseline year)")
    baseline_year: int | None = Field(None, description="the council's baseline year for growth; null: the first year of data")
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
    file7: str | None = Field(
        None,
        description="the official File 7 rows of the edition, when `file` lacks some of its columns: adds the IoD's own "
        "population denominators (used by population: iod_denominator), IDACI and IDAOPI",
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

    budget_gbp: Pounds | None = Field(
        None,
        description="yearly budget to split; null: an area partnership programme's budgets added up, otherwise no allocation model",
    )
    base_share: float = Field(0.25, ge=0, le=1, allow_inf_nan=False)
    weight_population: float = Field(0.5, ge=0, le=1, allow_inf_nan=False)
    weight_deprivation: float = Field(0.5, ge=0, le=1, allow_inf_nan=False)

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
    sheet: str | None = Field(None, description="XLSX register: the sheet to read; default: the first visible sheet with a 360Giving header")
    description: str = Field(min_length=1, max_length=5000, description="what the register is, shown in the pack")
    placement_note: str = Field(min_length=1, max_length=5000, description="how grants are placed in wards, shown in the pack")
    illustrative: bool = Field(False, description="true for made-up example registers: every page is labelled")
    area_partnership_programme: bool = Field(False, description="true when the register is the council's own area partnership programme")
    period: tuple[int, int] | None = Field(None, description="first and last award year to include; null = all")
    as_of: date | None = Field(None, description="award dates after this are rejected; null = the build date")
    currency_rates: dict[str, Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)]] = Field(default_factory=dict, description="GBP per unit of each other currency")
    population_year: int | None = Field(None, description="residents used for £ per head (a year of the population table); null: the latest year")
    deprivation_edition: int | None = Field(None, description="IoD edition used for fair shares and the concentration index; null: deprivation.latest")
    budget_per_area_partnership_gbp: Pounds | None = Field(None, description="an area partnership programme's yearly budget per partnership")
    budget_grouping: str | None = Field(None, description="mapping column the budget per partnership applies to (e.g. area_partnership)")
    financial_years: list[str] = Field(default_factory=list, description="e.g. ['2013/14', '2014/15']")
    allocation: Allocation = Field(default_factory=lambda: Allocation.model_validate({}))
    top_recipients: int = Field(10, ge=1, le=100)
    concentration_threshold: float = Field(
        0.5, ge=0, le=1, description="a ward taking this share (0-1) or more of an area's grant £ is flagged in the key messages"
    )
    known_codes_from: list[str] = Field(
        default_factory=list,
        description="national LSOA -> ward lookups whose codes count as real: a grant coded with any other E05/E01 code is rejected",
    )
    postcode_lookup: str | None = Field(
        None,
        description="postcode -> LSOA 2021 lookup (the ONS Postcode Directory or NSPL CSV, or a postcode,lsoa21_code CSV): "
        "grants with no ward or LSOA code are placed by postcode; null: postcodes are not looked up",
    )
    invalid_rows: Literal["error", "report"] = Field(
        "error",
        description="error: stop the build if any row is invalid; report: publish, listing rejected rows in the reconciliation",
    )


class GroupingOption(_Strict):
    """One way of grouping wards into areas, compared in the options appraisal."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text = Field(min_length=1, max_length=200)
    file: str
    column: str


class Demand(_Strict):
    """How the demand index weights residents."""

    dependant_weight: Weight = Field(1.5, description="a child (0-15) or older resident (65+) counts this many working-age residents")
    quintile_weights: dict[int, Weight] = Field(
        default_factory=lambda: {1: 1.5, 2: 1.25, 3: 1.0, 4: 1.0, 5: 1.0},
        description="multiplier per within-borough IMD quintile (1 = most deprived)",
    )

    @field_validator("quintile_weights")
    @classmethod
    def _every_quintile(cls, v: dict[int, float]) -> dict[int, float]:
        if sorted(v) != [1, 2, 3, 4, 5]:
            raise ValueError(f"give a weight for each quintile 1 to 5, got quintiles {sorted(v)}")
        if not any(v.values()):
            raise ValueError("at least one quintile weight must be above 0")
        return v


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


class CensusTopics(_Strict):
    """Census 2021 topic summaries by LSOA 2021 (long: ``lsoa21_code, table, category, count``) for "Demand beyond age"."""

    file: str = Field(description="the local authority's LSOA rows (or an England-wide file: only its LSOAs are read)")
    england: str | None = Field(None, description="the same tables for every LSOA in England, the comparator; null: no England column")


class Benchmarks(_Strict):
    """National files for "Compared with England, the region and councils like us" (the whole authority's pack)."""

    la_summaries: str = Field(description="IoD 2025 File 10: every English council's summary measures")
    imd_england: str = Field(description="IoD 2025 for every LSOA 2021 in England (deciles, scores, ranks, council codes)")
    census_age: str = Field(description="Census 2021 usual residents by age for every LSOA 2021 (England and Wales)")
    regions: str | None = Field(None, description="ONS local authority -> region lookup; null: no region comparison")
    neighbours: list[Annotated[str, Field(pattern=r"^E0[6-9][0-9]{6}$")]] | None = Field(
        None, min_length=1, description="the council's own list of comparator councils (codes); null: the nearest neighbours"
    )
    n_neighbours: int = Field(15, ge=1, le=50, description="how many nearest councils when no list is given")


class Context(_Strict):
    """Local context shown at the start of each section (Markdown; the council's own words and papers)."""

    population: str = Field("", max_length=20000)
    deprivation: str = Field("", max_length=20000)
    grants: str = Field("", max_length=20000)
    options: str = Field("", max_length=20000)
    contact: Text = Field("", max_length=500, description="who a reader asks for the pack in another format (plain text)")


class PackParams(_Strict):
    """All parameters of one pack, after merging; the schema of every YAML file."""

    pack: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: Text = Field(min_length=1, max_length=300)
    area: Text | None = Field(None, max_length=200)
    local_authority: LocalAuthority
    data_dir: str = "data"
    geography: Geography
    population: Population
    deprivation: Deprivation
    grants: Grants | None = None
    groupings: Groupings = Field(default_factory=Groupings)
    census_topics: CensusTopics | None = Field(None, description="Census 2021 topic summaries: the section 'Demand beyond age'")
    benchmarks: Benchmarks | None = Field(None, description="national files: the section 'Compared with England, the region and councils like us'")
    context: Context = Field(default_factory=lambda: Context.model_validate({}))
    packs: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _latest_is_a_vintage(self) -> PackParams:
        years = [v.year for v in self.deprivation.vintages]
        if self.deprivation.latest not in years:
            raise ValueError(f"deprivation.latest is {self.deprivation.latest}, which is not one of the editions {years}")
        if self.geography.lsoa11_ward_lookup is None and self.geography.lsoa21_ward_lookup is None:
            raise ValueError("give geography.lsoa11_ward_lookup, geography.lsoa21_ward_lookup or both")
        geos = [v.lsoa_vintage for v in self.deprivation.vintages]
        if len(set(geos)) > 1 and self.geography.lsoa11_lsoa21_lookup is None:
            raise ValueError(
                "deprivation.vintages mixes LSOA 2011 and LSOA 2021 editions, so comparing them needs "
                "geography.lsoa11_lsoa21_lookup (the ONS LSOA 2011 to 2021 lookup); give it, or use editions on one geography"
            )
        g = self.grants
        if g is not None and g.deprivation_edition is not None and g.deprivation_edition not in years:
            raise ValueError(f"grants.deprivation_edition is {g.deprivation_edition}, which is not one of the editions {years}")
        if g is not None and g.area_partnership_programme and g.financial_years:
            lacking = [k for k in ("budget_per_area_partnership_gbp", "budget_grouping") if getattr(g, k) is None]
            if lacking:
                raise ValueError(
                    "grants.area_partnership_programme with grants.financial_years compares spend with budgets: give "
                    + " and ".join(f"grants.{k}" for k in lacking)
                )
        return self

    @property
    def is_borough(self) -> bool:
        """True for the borough overview (no single area)."""
        return self.area is None

