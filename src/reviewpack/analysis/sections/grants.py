"""Grant funding: who got what, per resident, against need; concentration; a needs-based allocation.

The choices are visible here: grant £ is divided by residents of ``grants.population_year``,
"need" is the residents of the borough's most deprived fifth in ``grants.deprivation_edition``,
and the allocation model splits ``grants.allocation.budget_gbp`` (or, for an area partnership
programme, the partnerships' budgets added up).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from ...errors import ParameterError
from .. import equity, grants
from ..basis import GrantsBasis, Scope
from .deprivation import DeprivationSection
from .population import PopulationSection

if TYPE_CHECKING:
    from ...ingest.inputs import PackInputs
    from ...ingest.threesixtygiving import Register


class GrantsSection:
    """The pack's grant register, placed in areas, against residents and need.

    Parameters
    ----------
    inputs : PackInputs
        The pack's input frames (``inputs.params.grants`` must be set).
    scope : Scope
        The pack's area and grouping.
    population, deprivation : PopulationSection, DeprivationSection
        The sections whose residents and most deprived fifth the grants are set against.
    """

    def __init__(self, inputs: PackInputs, scope: Scope, population: PopulationSection, deprivation: DeprivationSection) -> None:
        if inputs.params.grants is None:
            raise ParameterError("No grant register is configured (parameter grants).", parameter="grants")
        self.inputs = inputs
        self.scope = scope
        self.params = inputs.params.grants
        self.population = population
        self.deprivation = deprivation

    @property
    def register(self) -> Register:
        """The register: placed, unplaced and rejected rows, and its reconciliation."""
        return self.inputs.grant_register

    @cached_property
    def basis(self) -> GrantsBasis:
        """Period, population year, IoD edition, illustrative or real, kind of register."""
        return GrantsBasis(
            period=self.period,
            population_year=self.params.population_year,
            edition=self.deprivation.edition(self.params.deprivation_edition),
            illustrative=self.params.illustrative,
            kind=self.register.kind,
        )

    @property
    def period(self) -> tuple[int, int] | None:
        """Award years included (``None``: all)."""
        p = self.params.period
        return (int(p[0]), int(p[1])) if p else None

    def _scoped(self) -> dict[str, object]:
        return {"area": self.scope.area, "area_col": self.scope.grouping if self.scope.area else None, "period": self.period}

    def residents(self) -> pd.Series:
        """Residents per area in ``grants.population_year``."""
        return self.population.residents(self.params.population_year)

    def need(self) -> pd.Series:
        """Residents of the borough's most deprived fifth per area, IoD ``grants.deprivation_edition``."""
        return self.deprivation.most_deprived_fifth(self.params.deprivation_edition)

    def by_area(self) -> pd.DataFrame:
        """Contract table ``grants_by_<grouping>.csv``: grants, £, £ per resident and shares per area."""
        return grants.summarise_by_area(self.register, self.residents(), self.period)

    def fair_share(self) -> pd.DataFrame:
        """Share of grant £ against share of residents and of need, and the £ each would have had."""
        return equity.fair_share(self.by_area(), self.need())

    def fair_share_long(self) -> pd.DataFrame:
        """:meth:`fair_share` long: ``<grouping>, measure (amount|population|deprived), pct`` (for the chart)."""
        fair = self.fair_share()
        long = fair.melt(
            id_vars=[self.scope.grouping],
            value_vars=["share_of_amount_pct", "share_of_population_pct", "share_of_deprived_pct"],
            var_name="measure",
            value_name="pct",
        )
        long["measure"] = long["measure"].str.replace("share_of_", "", regex=False).str.replace("_pct", "", regex=False)
        return long

    def by_year(self) -> pd.DataFrame:
        """Grants to the pack's area (or the borough) by award year."""
        return grants.by_year(self.register, **self._scoped())  # type: ignore[arg-type]

    def by_funder(self) -> pd.DataFrame:
        """Grants to the pack's area (or the borough) by funder."""
        return grants.by_funder(self.register, **self._scoped())  # type: ignore[arg-type]

    def has_recipients(self) -> bool:
        """True when the register names recipients (grant-level) and has rows in the borough."""
        r = self.register
        return r.kind == "grant-level" and len(r.placed) + len(r.unplaced) > 0

    def top_recipients(self) -> pd.DataFrame:
        """The largest recipients in the pack's area (or the borough)."""
        return grants.top_recipients(self.register, self.params.top_recipients, **self._scoped())  # type: ignore[arg-type]

    def concentration(self) -> equity.ConcentrationResult:
        """Concentration index of grant £ across wards ranked by deprivation (negative: more to the more deprived)."""
        wd = self.deprivation.ward_scores(self.params.deprivation_edition)
        amounts = grants.by_ward(self.register, self.period).set_index("ward_code")["amount_awarded_gbp"]
        amounts = amounts.reindex(wd.index, fill_value=0.0)
        return equity.concentration_index(amounts, wd["average_score"], wd["residents"], higher_is_more_deprived=True)

    def concentration_points(self) -> pd.DataFrame:
        """The concentration curve's points, most deprived ward first, in % with ward names."""
        curve = self.concentration().curve.dropna(subset=["unit"]).copy()
        curve["cum_population_pct"] = 100 * curve["cum_population_share"]
        curve["cum_amount_pct"] = 100 * curve["cum_amount_share"]
        curve["ward_name"] = curve["unit"].map(self.inputs.wards.set_index("ward_code")["ward_name"])
        return curve[["unit", "ward_name", "deprivation_rank", "cum_population_pct", "cum_amount_pct"]]

    def has_budgets(self) -> bool:
        """True for the council's own area partnership programme with financial years to compare."""
        return bool(self.params.area_partnership_programme and self.params.financial_years)

    def budget_vs_spend(self) -> pd.DataFrame:
        """Area partnership budget against spend, by financial year."""
        g = self.params
        return grants.budget_vs_spend(self.register, g.budget_per_area_partnership_gbp, g.financial_years, area_col=g.budget_grouping)

    def allocation_budget(self) -> float:
        """The yearly budget the allocation model splits: ``allocation.budget_gbp``, or the partnership budgets added up."""
        g = self.params
        if g.allocation.budget_gbp is not None:
            return float(g.allocation.budget_gbp)
        wards = self.inputs.wards
        if g.budget_grouping not in wards.columns:
            raise ParameterError(
                f"grants.budget_grouping is '{g.budget_grouping}', which is not a column of the ward mapping; "
                f"valid: {', '.join(c for c in wards.columns if c not in ('ward_code', 'ward_name', 'area'))}.",
                parameter="grants.budget_grouping",
            )
        return float(g.budget_per_area_partnership_gbp * wards[g.budget_grouping].nunique())

    def allocation(self) -> pd.DataFrame:
        """The proportionate-universalism split of :meth:`allocation_budget`, with each area's actual share of grants."""
        a = self.params.allocation
        alloc = equity.allocation_model(
            self.residents(), self.need(), self.allocation_budget(), a.base_share, a.weight_population, a.weight_deprivation,
            area_col=self.scope.grouping,
        )
        actual = self.fair_share().set_index(self.scope.grouping)["share_of_amount_pct"]
        alloc["actual_share_of_grants_pct"] = alloc[self.scope.grouping].map(actual)
        return alloc

    def allocation_sensitivity(self) -> pd.DataFrame:
        """How each area's allocation moves as the weight on deprivation goes from 0 to 1."""
        a = self.params.allocation
        return equity.allocation_sensitivity(
            self.residents(), self.need(), self.allocation_budget(), a.base_share, area_col=self.scope.grouping
        )

    def check(self) -> str:
        """The build's check of the register: it reconciles, and (unless reported) no row is invalid."""
        from ...errors import GrantsError, ReconciliationError

        self.residents()
        self.need()
        reg = self.register
        rec = reg.reconciliation
        if not rec.balanced:
            raise ReconciliationError(f"Grant register check failed: {rec.summary()}")
        if len(reg.rejected) and self.params.invalid_rows == "error":
            first = reg.rejected.head(3)
            listed = "; ".join(f"row {int(r.source_row)}: {r.reason}" for r in first.itertuples())
            more = f" (and {len(reg.rejected) - 3} more)" if len(reg.rejected) > 3 else ""
            raise GrantsError(
                f"Grant register '{reg.path}' has {len(reg.rejected)} invalid row(s): {listed}{more}. "
                "Correct the file, or set grants.invalid_rows: report to publish with those rows listed as rejected."
            )
        return rec.summary()
