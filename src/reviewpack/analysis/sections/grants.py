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
from .memo import memo
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
    def population_year(self) -> int:
        """Residents of this year divide grant £: ``grants.population_year``, or the latest year of the population table."""
        year = self.params.population_year
        return int(year) if year is not None else self.population.basis.latest_year

    @property
    def deprivation_edition(self) -> int:
        """The IoD edition of fair shares and the concentration index: ``grants.deprivation_edition``, or ``deprivation.latest``."""
        edition = self.params.deprivation_edition
        return int(edition) if edition is not None else self.inputs.params.deprivation.latest

    @property
    def register(self) -> Register:
        """The register: placed, unplaced and rejected rows, and its reconciliation."""
        return self.inputs.grant_register

    @cached_property
    def basis(self) -> GrantsBasis:
        """Period, population year, IoD edition, illustrative or real, kind of register."""
        return GrantsBasis(
            period=self.period,
            population_year=self.population_year,
            edition=self.deprivation.edition(self.deprivation_edition),
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
        return self.population.residents(self.population_year)

    def need(self) -> pd.Series:
        """Residents of the borough's most deprived fifth per area, IoD ``grants.deprivation_edition``."""
        return self.deprivation.most_deprived_fifth(self.deprivation_edition)

    @memo
    def by_area(self) -> pd.DataFrame:
        """Contract table ``grants_by_<grouping>.csv``: grants, £, £ per resident and shares per area."""
        return grants.summarise_by_area(self.register, self.residents(), self.period)

    @memo
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

    @memo
    def concentration(self) -> equity.ConcentrationResult:
        """Concentration index of grant £ across wards ranked by deprivation (negative: more to the more deprived)."""
        wd = self.deprivation.ward_scores(self.deprivation_edition)
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

    def _placed(self) -> pd.DataFrame:
        """Placed grants within the period."""
        placed = self.register.placed
        if self.period and "award_year" in placed:
            placed = placed[placed["award_year"].between(*self.period)]
        return placed

    @memo
    def award_years(self) -> tuple[int, int] | None:
        """First and last award year of the placed grants counted (``None`` when none is placed)."""
        placed = self._placed()
        if placed.empty or "award_year" not in placed:
            return None
        years = placed["award_year"].dropna()
        return (int(years.min()), int(years.max())) if len(years) else None

    @memo
    def placement_basis(self) -> str:
        """How the grants counted were placed: ``recipient`` (the recipient's address), ``beneficiary``
        (where the work happened), ``recipient_postcode`` / ``beneficiary_postcode`` (the same, every
        one by postcode through ``grants.postcode_lookup``), ``mixed``, or ``none`` when nothing was placed."""
        methods = set(self._placed().get("placement", pd.Series(dtype=object)).dropna().astype(str))
        if not methods:
            return "none"
        kinds = {"beneficiary" if m.lower().startswith("beneficiary") else "recipient" for m in methods}
        if len(kinds) > 1:
            return "mixed"
        kind = kinds.pop()
        return f"{kind}_postcode" if all(m.endswith("(postcode)") for m in methods) else kind

    def placement_counts(self) -> dict[str, int]:
        """Rows of the register by how they were placed: ward code, LSOA code, postcode, not placed."""
        return self.register.reconciliation.placement_counts()

    def any_placed(self) -> bool:
        """True when at least one grant in the period was placed in an area (else there is nothing to compare)."""
        return not self._placed().empty

    @memo
    def ward_concentration(self) -> pd.DataFrame:
        """Per area, the ward whose organisations received the largest share of the area's grant £.

        Columns: ``area, ward_code, ward_name, ward_gbp, area_gbp, share_pct`` (unrounded); areas
        with no grant money are left out.
        """
        placed = self._placed()
        g = self.scope.grouping
        if placed.empty:
            return pd.DataFrame(columns=["area", "ward_code", "ward_name", "ward_gbp", "area_gbp", "share_pct"])
        by_ward = placed.groupby([g, "ward_code"], sort=False)["amount_gbp"].sum().reset_index()
        rows = []
        for area, sub in by_ward.groupby(g, sort=False):
            total = float(sub["amount_gbp"].sum())
            if total <= 0:
                continue
            top = sub.sort_values(["amount_gbp", "ward_code"], ascending=[False, True]).iloc[0]
            rows.append({"area": area, "ward_code": top["ward_code"], "ward_gbp": float(top["amount_gbp"]), "area_gbp": total})
        out = pd.DataFrame(rows)
        out["ward_name"] = out["ward_code"].map(self.inputs.wards.set_index("ward_code")["ward_name"])
        out["share_pct"] = 100 * out["ward_gbp"] / out["area_gbp"]
        return out[["area", "ward_code", "ward_name", "ward_gbp", "area_gbp", "share_pct"]]

    def concentrated(self) -> pd.DataFrame:
        """:meth:`ward_concentration` rows at or above ``grants.concentration_threshold`` (for the pack's area only, in an area's pack)."""
        wc = self.ward_concentration()
        wc = wc[wc["share_pct"] >= 100 * self.params.concentration_threshold]
        if self.scope.area:
            wc = wc[wc["area"] == self.scope.area]
        return wc.reset_index(drop=True)

    @memo
    def recipients_concentrated(self) -> pd.DataFrame:
        """Per area, the one recipient taking ``grants.concentration_threshold`` or more of the area's grant £.

        Grant-level registers only (an aggregated register names no recipients). Columns:
        ``area, recipient, recipient_gbp, area_gbp, share_pct`` (unrounded); in an area's pack, that area only.
        """
        cols = ["area", "recipient", "recipient_gbp", "area_gbp", "share_pct"]
        placed = self._placed()
        g = self.scope.grouping
        if self.register.kind != "grant-level" or placed.empty or "recipient" not in placed:
            return pd.DataFrame(columns=cols)
        key = placed["recipient_id"].fillna(placed["recipient"]) if "recipient_id" in placed else placed["recipient"]
        frame = placed.assign(_key=key.astype(str))
        rows = []
        for area, sub in frame.groupby(g, sort=False):
            total = float(sub["amount_gbp"].sum())
            if total <= 0:
                continue
            by = sub.groupby("_key", sort=True).agg(amount=("amount_gbp", "sum"), name=("recipient", "first"))
            top = by.sort_values("amount", ascending=False, kind="stable").iloc[0]
            rows.append({"area": area, "recipient": str(top["name"]), "recipient_gbp": float(top["amount"]), "area_gbp": total})
        out = pd.DataFrame(rows, columns=cols[:-1])
        out["share_pct"] = 100 * out["recipient_gbp"] / out["area_gbp"] if len(out) else pd.Series(dtype=float)
        out = out[out["share_pct"] >= 100 * self.params.concentration_threshold]
        if self.scope.area:
            out = out[out["area"] == self.scope.area]
        return out[cols].reset_index(drop=True)

    @memo
    def concentration_without(self, ward_code: str) -> equity.ConcentrationResult:
        """The concentration index with one ward left out (its residents and its grant £)."""
        wd = self.deprivation.ward_scores(self.deprivation_edition)
        amounts = grants.by_ward(self.register, self.period).set_index("ward_code")["amount_awarded_gbp"]
        amounts = amounts.reindex(wd.index, fill_value=0.0)
        keep = wd.index != ward_code
        return equity.concentration_index(amounts[keep], wd.loc[keep, "average_score"], wd.loc[keep, "residents"], higher_is_more_deprived=True)

    def has_budgets(self) -> bool:
        """True for the council's own area partnership programme with financial years to compare."""
        return bool(self.params.area_partnership_programme and self.params.financial_years)

    def budget_vs_spend(self) -> pd.DataFrame:
        """Area partnership budget against spend, by financial year."""
        g = self.params
        if g.budget_per_area_partnership_gbp is None or g.budget_grouping is None:  # refused when the parameters are read
            raise ParameterError("give grants.budget_per_area_partnership_gbp and grants.budget_grouping", parameter="grants.budget_grouping")
        return grants.budget_vs_spend(self.register, g.budget_per_area_partnership_gbp, g.financial_years, area_col=g.budget_grouping)

    def has_allocation_budget(self) -> bool:
        """True when there is a budget to split: ``allocation.budget_gbp``, or an area partnership programme's budgets."""
        g = self.params
        return g.allocation.budget_gbp is not None or bool(
            g.area_partnership_programme and g.budget_per_area_partnership_gbp is not None and g.budget_grouping
        )

    def allocation_budget(self) -> float:
        """The yearly budget the allocation model splits: ``allocation.budget_gbp``, or (for an area partnership
        programme) the partnership budgets added up.  Never invented: see :meth:`has_allocation_budget`."""
        g = self.params
        if g.allocation.budget_gbp is not None:
            return float(g.allocation.budget_gbp)
        if not self.has_allocation_budget() or g.budget_grouping is None or g.budget_per_area_partnership_gbp is None:
            raise ParameterError(
                "No budget to split: set grants.allocation.budget_gbp (or, for an area partnership programme, "
                "grants.budget_per_area_partnership_gbp and grants.budget_grouping).",
                parameter="grants.allocation.budget_gbp",
            )
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
        if self.has_allocation_budget():
            self.allocation_budget()  # a budget_grouping that is not a mapping column is refused before any notebook runs
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
