"""Deprivation: within-borough quintiles, position in England, domains, change and summary measures.

This is where the deprivation analysis of a pack is decided: which residents weight each IoD
edition (:meth:`DeprivationSection.weights`), how neighbourhoods are grouped into quintiles and
which editions are compared.  The formulas themselves are in :mod:`reviewpack.analysis.deprivation`,
:mod:`~reviewpack.analysis.change`, :mod:`~reviewpack.analysis.summary_measures` and
:mod:`~reviewpack.analysis.statistics`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...errors import ParameterError
from ...ingest.imd import DOMAINS, SUPPLEMENTARY
from ...ingest.inputs import PackInputs
from .. import change, deprivation, summary_measures
from ..basis import EditionBasis, Scope
from .memo import memo


class DeprivationSection:
    """Every configured IoD edition of one pack, each with the population that weights it.

    Parameters
    ----------
    inputs : PackInputs
        The pack's input frames.
    scope : Scope
        The pack's area and grouping.
    """

    def __init__(self, inputs: PackInputs, scope: Scope) -> None:
        self.inputs = inputs
        self.scope = scope
        self.params = inputs.params.deprivation
        self._imd: dict[int, pd.DataFrame] = {}

    # -- basis -----------------------------------------------------------------
    @property
    def editions(self) -> list[EditionBasis]:
        """Every configured edition, oldest first, with its geography and population."""
        return [self.edition(v.year) for v in self.params.vintages]

    @property
    def latest(self) -> EditionBasis:
        """The edition the charts and key messages use (``deprivation.latest``)."""
        return self.edition(self.params.latest)

    def edition(self, year: int) -> EditionBasis:
        """The basis of IoD ``year``: its LSOA geography and the residents that weight it."""
        v = self._vintage(year)
        if v.population == "iod_denominator":
            attrs = self.imd(year).attrs  # the denominators of the IoD file, or of its File 7 rows (deprivation.vintages[].file7)
            return EditionBasis(year, v.lsoa_vintage, "iod_denominator", attrs.get("population_year"), attrs.get("population_excludes_prisoners"))
        if v.population == "census2021":
            return EditionBasis(year, v.lsoa_vintage, "census2021", 2021)
        return EditionBasis(year, v.lsoa_vintage, "mid_year", int(v.population))

    def _vintage(self, year: int) -> Any:
        for v in self.params.vintages:
            if v.year == year:
                return v
        years = ", ".join(str(v.year) for v in self.params.vintages)
        raise ParameterError(f"IoD{year} is not among deprivation.vintages ({years}).", parameter="deprivation.vintages")

    # -- inputs ------------------------------------------------------------------
    def imd(self, year: int) -> pd.DataFrame:
        """The borough's neighbourhoods in IoD ``year``, with their within-borough ``quintile``."""
        if year not in self._imd:
            self._imd[year] = deprivation.borough_quintiles(self.inputs.imd(year))
        return self._imd[year]

    def areas(self, year: int) -> pd.DataFrame:
        """LSOA -> ward -> area on the geography of IoD ``year``."""
        return self.inputs.areas_on(self._vintage(year).lsoa_vintage)

    def weights(self, year: int) -> pd.Series | None:
        """Residents per LSOA that weight IoD ``year`` (``None``: the IoD's own denominators, in the file).

        Raises
        ------
        ParameterError
            If the population asked for is not in the population files on that geography.
        """
        v = self._vintage(year)
        if v.population == "iod_denominator":
            if "pop_total" not in self.imd(year).columns:
                raise ParameterError(
                    f"deprivation.vintages: IoD{year} asks for population 'iod_denominator', but '{v.file}' has no population "
                    "denominators. Name the edition's official File 7 rows as its file7 (they hold them), or use census2021.",
                    parameter="deprivation.vintages",
                )
            return None
        pop = self.inputs.lsoa_population
        pop = pop[pop["age_band"] == "all"]
        wanted = 2021 if v.population == "census2021" else v.population
        geo = 2021 if v.population == "census2021" else v.lsoa_vintage
        sel = pop[(pop["year"] == wanted) & (pop["lsoa_vintage"] == geo)]
        if sel.empty:
            raise ParameterError(
                f"deprivation.vintages: IoD{year} asks for population '{v.population}', which the population files do not hold "
                f"on LSOA {v.lsoa_vintage}. Use iod_denominator, census2021 or one of the mid-years of population.lsoa_panel.",
                parameter="deprivation.vintages",
            )
        return sel.set_index("lsoa_code")["population"].rename("residents")

    def _args(self, year: int) -> tuple[pd.DataFrame, pd.Series | None, pd.DataFrame]:
        return self.imd(year), self.weights(year), self.areas(year)

    # -- tables ------------------------------------------------------------------
    @memo
    def quintile_distribution(self) -> pd.DataFrame:
        """Contract table: residents of each within-borough quintile by area, every edition.

        Shares are not rounded: tables and sentences round once, when they display them.
        """
        frames = [deprivation.quintile_distribution(*self._args(y), self.scope.grouping) for y in self._years()]
        return pd.concat(frames, ignore_index=True)

    def latest_distribution(self) -> pd.DataFrame:
        """:meth:`quintile_distribution` for the latest edition only."""
        d = self.quintile_distribution()
        return d[d["imd_vintage"] == self.latest.label]

    @memo
    def fifth_shares(self) -> pd.DataFrame:
        """The most deprived fifth both ways, and England's most deprived 10%, latest edition (unrounded).

        One row per area and one for the borough (``area`` = the local authority's name):
        ``residents``; ``share_of_residents_pct`` (the area's share of the borough's residents);
        ``share_of_fifth_pct`` (of the residents of the borough's most deprived fifth of
        neighbourhoods, the share who live in the area); ``in_fifth_pct`` (of the area's own
        residents, the share who live in that fifth); ``in_england_10pct`` (of the area's own
        residents, the share in England's most deprived 10% of neighbourhoods).
        """
        g = self.scope.grouping
        d = self.latest_distribution()
        residents = d.groupby(g, sort=False)["residents"].sum()
        fifth = d[d["quintile"] == 1].set_index(g)["residents"].reindex(residents.index, fill_value=0)
        out = pd.DataFrame({"residents": residents, "fifth": fifth})
        out.loc[self.scope.la_name] = out.sum()
        nat = self.national_summary_latest().set_index(g)["share_residents_decile_1_pct"]
        total, total_fifth = out.loc[self.scope.la_name, "residents"], out.loc[self.scope.la_name, "fifth"]
        return pd.DataFrame(
            {
                "area": out.index,
                "residents": out["residents"].to_numpy(),
                "share_of_residents_pct": (100 * out["residents"] / total).to_numpy(),
                "share_of_fifth_pct": (100 * out["fifth"] / total_fifth if total_fifth else 0.0 * out["fifth"]).to_numpy(),
                "in_fifth_pct": (100 * out["fifth"] / out["residents"]).to_numpy(),
                "in_england_10pct": nat.reindex(out.index).to_numpy(),
            }
        )

    def quintile_shares(self, quintile: int = 1) -> pd.DataFrame:
        """Each area's share of all residents and of the residents of one quintile (latest edition)."""
        return deprivation.area_share_view(self.latest_distribution(), quintile)

    def quintile_shares_long(self, quintile: int = 1) -> pd.DataFrame:
        """:meth:`quintile_shares` long: ``<grouping>, measure (all|quintile), pct`` (for the chart)."""
        view = self.quintile_shares(quintile)
        long = view.melt(
            id_vars=[self.scope.grouping], value_vars=["share_of_borough_pct", "share_of_quintile_pct"], var_name="measure", value_name="pct"
        )
        long["measure"] = long["measure"].map({"share_of_borough_pct": "all", "share_of_quintile_pct": "quintile"})
        return long

    @memo
    def quintile_lsoa_counts(self) -> pd.DataFrame:
        """Neighbourhoods of each quintile by area (latest edition): the chi-square test's table."""
        y = self.latest.edition
        return deprivation.quintile_lsoa_counts(self.imd(y), self.areas(y), self.scope.grouping)

    @memo
    def national_position(self, year: int) -> pd.DataFrame:
        """Residents and LSOAs of each area (and the borough) by national IMD decile."""
        return deprivation.national_position(*self._args(year), self.scope.grouping, total_label=self.scope.la_name)

    @memo
    def national_summary(self) -> pd.DataFrame:
        """Share of residents and LSOAs in England's most deprived 10% and 20%, every edition."""
        frames = [deprivation.national_position_summary(self.national_position(y)) for y in self._years()]
        return pd.concat(frames, ignore_index=True)

    def national_summary_latest(self) -> pd.DataFrame:
        """:meth:`national_summary` for the latest edition."""
        s = self.national_summary()
        return s[s["imd_vintage"] == self.latest.label]

    def national_position_long(self) -> pd.DataFrame:
        """Latest edition, long: ``<grouping>, measure (decile_1|decile_1_2), pct`` (for the chart)."""
        s = self.national_summary_latest()
        long = s.melt(
            id_vars=[self.scope.grouping],
            value_vars=["share_residents_decile_1_pct", "share_residents_decile_1_2_pct"],
            var_name="measure",
            value_name="pct",
        )
        long["measure"] = long["measure"].map({"share_residents_decile_1_pct": "decile_1", "share_residents_decile_1_2_pct": "decile_1_2"})
        return long

    def neighbourhoods(self) -> pd.DataFrame:
        """The pack's neighbourhoods (all, for the borough) by national rank, latest edition: the map's numbers."""
        y = self.latest.edition
        g = self.scope.grouping
        cols = ["lsoa_code", "lsoa_name", "ward_name", g, "imd_rank", "imd_decile", "quintile"]
        t = self.imd(y).merge(self.areas(y)[["lsoa_code", "ward_name", g]], on="lsoa_code")[cols].sort_values("imd_rank")
        if self.scope.area:
            t = t[t[g] == self.scope.area]
        if len(t) and (t["ward_name"].astype(str) == t[g].astype(str)).all():
            t = t.drop(columns=["ward_name"])  # the areas are the wards: one column, not two headed "Ward"
        return t

    @memo
    def domain_profiles(self) -> pd.DataFrame:
        """Share of residents in England's most deprived 20% on each domain, each area and the borough, every edition.

        The seven domains, then IDACI and IDAOPI where the edition has their ranks (IoD2025 from its
        File 7 rows, ``deprivation.vintages[].file7``).
        """
        frames = [
            deprivation.domain_profile(
                *self._args(y), self.scope.grouping, total_label=self.scope.la_name, domains=self.profile_measures(y)
            )
            for y in self._years()
        ]
        return pd.concat(frames, ignore_index=True)

    def has_supplementary(self) -> bool:
        """Whether any edition's domain profile holds IDACI or IDAOPI."""
        return any(set(self.profile_measures(y)) & set(SUPPLEMENTARY) for y in self._years())

    def profile_measures(self, year: int) -> tuple[str, ...]:
        """The measures of the domain profile of IoD ``year``: the IMD, its seven domains, and IDACI/IDAOPI if present."""
        cols = self.imd(year).columns
        return ("imd", *DOMAINS, *(s for s in SUPPLEMENTARY if f"{s}_rank" in cols or f"{s}_score_transformed" in cols))

    def domain_profile_latest(self) -> pd.DataFrame:
        """:meth:`domain_profiles` for the latest edition (long)."""
        p = self.domain_profiles()
        return p[p["imd_vintage"] == self.latest.label]

    def domain_table(self) -> pd.DataFrame:
        """The latest edition's domain profile, wide: a row per domain, a column per area and the borough."""
        prof = self.domain_profile_latest()
        wide = prof.pivot_table(index="domain_label", columns=self.scope.grouping, values="share_residents_decile_1_2_pct", sort=False)
        return wide.reset_index().rename_axis(columns=None)

    def relative_domains(self, n: int = 3) -> pd.DataFrame | None:
        """The ``n`` domains where the pack's area is most deprived relative to the borough (``None`` for the borough)."""
        if not self.scope.area:
            return None
        prof = self.domain_profile_latest()
        prof = prof[~prof["domain"].isin(SUPPLEMENTARY)]  # the seven domains only: IDACI and IDAOPI are parts of Income
        return deprivation.relative_domains(prof, self.scope.area, total_label=self.scope.la_name, n=n)

    @memo
    def changes(self) -> list[change.ChangeResult]:
        """Change between consecutive editions (same LSOA geography, or across the 2011 -> 2021 change)."""
        years = self._years()
        out = []
        for a, b in zip(years, years[1:]):
            across = self._vintage(a).lsoa_vintage != self._vintage(b).lsoa_vintage
            out.append(
                change.compare_editions(
                    self.imd(a),
                    self.imd(b),
                    self.areas(b),
                    self.scope.grouping,
                    total_label=self.scope.la_name,
                    lookup=self.inputs.lsoa11_lsoa21_lookup if across else None,
                )
            )
        return out

    def change_table(self) -> pd.DataFrame | None:
        """Every comparison's table, one after the other, with a ``comparison`` column (``None``: one edition)."""
        frames = []
        for ch in self.changes():
            t = ch.by_area.copy()
            t.insert(0, "comparison", f"{ch.labels[0]} to {ch.labels[1]}")
            frames.append(t)
        return pd.concat(frames, ignore_index=True) if frames else None

    @memo
    def summary_measures(self) -> pd.DataFrame:
        """MHCLG's local authority summary measures for the borough and (indicative) each area, every edition."""
        frames = []
        for y in self._years():
            imd, pop, areas = self._args(y)
            borough = summary_measures.la_summary_measures(imd, pop)
            borough.index = [self.scope.la_name]
            per_area = summary_measures.la_summary_measures(imd, pop, by=areas.set_index("lsoa_code")[self.scope.grouping])
            both = pd.concat([borough, per_area])
            both.index.name = "area"
            both = both.reset_index()
            both.insert(0, "imd_vintage", f"IoD{y}")
            frames.append(both)
        return pd.concat(frames, ignore_index=True)

    def official_summary(self) -> dict[str, float] | None:
        """MHCLG's published File 10 values for the local authority, latest edition (``None``: not configured)."""
        return self.inputs.official_la_summary()

    def summary_agreement(self) -> dict[str, bool] | None:
        """Whether the borough's latest-edition summary measures equal File 10's, measure by measure (``None``: no File 10)."""
        official = self.official_summary()
        if not official:
            return None
        imd, pop, _ = self._args(self.latest.edition)
        ours = summary_measures.la_summary_measures(imd, pop).iloc[0]
        return summary_measures.agrees_with_published(ours, official)

    def most_deprived(self) -> pd.DataFrame | None:
        """The pack area's most deprived neighbourhoods, latest edition (``None`` for the borough)."""
        if not self.scope.area:
            return None
        y = self.latest.edition
        return deprivation.most_deprived_lsoas(self.imd(y), self.areas(y), self.scope.area, self.params.most_deprived_n, self.scope.grouping)

    @memo
    def most_deprived_fifth(self, year: int) -> pd.Series:
        """Residents of the borough's most deprived fifth of neighbourhoods, per area, IoD ``year``."""
        d = deprivation.quintile_distribution(*self._args(year), self.scope.grouping)
        return d[d["quintile"] == 1].set_index(self.scope.grouping)["residents"].astype(float)

    @memo
    def ward_scores(self, year: int) -> pd.DataFrame:
        """Population-weighted average IMD score and residents per ward, IoD ``year``."""
        imd, pop, areas = self._args(year)
        w = summary_measures.la_summary_measures(imd, pop, by=areas.set_index("lsoa_code")["ward_code"])
        w.index.name = "ward_code"
        return w[["residents", "average_score"]]

    def imd_lsoa_counts(self) -> dict[int, int]:
        """Neighbourhoods of the local authority on each LSOA geography (for the methodology notes)."""
        return {geo: len(a) for geo, a in ((2011, self.inputs.areas11), (2021, self.inputs.areas21)) if a is not None}

    def _years(self) -> list[int]:
        return [v.year for v in self.params.vintages]

    def check(self) -> None:
        """Load every edition with its weights (the build runs this before any notebook)."""
        for y in self._years():
            deprivation.quintile_distribution(*self._args(y), self.scope.grouping)
