"""Key messages, cards and "At a glance": every figure states its basis, both directions read differently,
values are rounded once, and the edge cases read sensibly (issue 13)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from reviewpack.analysis.basis import EditionBasis, GrantsBasis, Scope
from reviewpack.analysis.sections import Pack
from reviewpack.present.narrative import glance, messages
from reviewpack.present.narrative.deprivation import relative_domains
from reviewpack.present.narrative.methodology import AXE_CORE_VERSION
from reviewpack.present.sections.setup import grant_facts

ROOT = Path(__file__).resolve().parents[1]
E25 = EditionBasis(2025, 2021, "census2021", 2021)
E15 = EditionBasis(2015, 2011, "iod_denominator", 2012)


def _scope(area: str | None, areas: tuple[str, ...] = ("A", "B")) -> Scope:
    return Scope("p", "E08000030", "Town", area, "locality", "Locality", areas)


def _shares(rows: dict[str, tuple[float, float, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(a, *v) for a, v in rows.items()],
        columns=["area", "residents", "share_of_residents_pct", "share_of_fifth_pct", "in_fifth_pct", "in_england_10pct"],
    )


SHARES = _shares({"A": (600, 60, 90, 30.04, 40.5), "B": (400, 40, 10, 5.0, 2.0), "Town": (1000, 100, 100, 20.0, 25.1)})


# -- unit: the two directions, the basis, rounding once ------------------------------------------

def test_the_two_directions_are_phrased_differently_and_name_their_basis():
    a_msgs = messages.deprivation_messages(SHARES, _scope("A"), E25)
    assert a_msgs[0] == (
        "Of the residents of Town's most deprived fifth of neighbourhoods, 90% live in A, which has 60% of all residents "
        "(IoD2025, Census 2021 residents)."
    )
    assert a_msgs[1] == (
        "30% of A's own residents live in Town's most deprived fifth of neighbourhoods (Town as a whole: 20%; IoD2025, Census 2021 residents)."
    )
    # 40.5 is shown as 40 (Python rounds half to even once); never a value rounded twice
    assert a_msgs[2] == "40% of A's residents live in neighbourhoods among England's most deprived 10% (Town: 25%; IoD2025, Census 2021 residents)."


def test_borough_deprivation_messages_name_the_edition_and_the_least_deprived_area():
    msgs = messages.deprivation_messages(SHARES, _scope(None), E25)
    assert msgs[1] == "B has 40% of all residents but 10% of the residents of that most deprived fifth (IoD2025, Census 2021 residents)."
    assert all("IoD2025" in m for m in msgs)


def test_one_area_gives_no_comparison_across_areas():
    one = _shares({"A": (1000, 100, 100, 20.0, 7.0), "Town": (1000, 100, 100, 20.0, 7.0)})
    msgs = messages.deprivation_messages(one, _scope(None, ("A",)), E15)
    assert msgs == ["7% of Town's residents live in neighbourhoods among England's most deprived 10% (IoD2015, the IoD's own mid-2012 residents)."]


def _facts(amounts: dict[str, float], population: dict[str, float], deprived: dict[str, float], concentrated: pd.DataFrame | None = None):
    by_area = pd.DataFrame({"locality": list(amounts), "amount_awarded_gbp": list(amounts.values()), "population": list(population.values())})
    by_area["amount_per_head_gbp"] = by_area["amount_awarded_gbp"] / by_area["population"]
    total_a, total_p, total_d = sum(amounts.values()), sum(population.values()), sum(deprived.values())
    fair = pd.DataFrame({
        "locality": list(amounts),
        "amount_awarded_gbp": list(amounts.values()),
        "share_of_amount_pct": [100 * v / total_a if total_a else 0.0 for v in amounts.values()],
        "share_of_population_pct": [100 * v / total_p for v in population.values()],
        "share_of_deprived_pct": [100 * v / total_d for v in deprived.values()],
    })
    empty = pd.DataFrame(columns=["area", "ward_code", "ward_name", "ward_gbp", "area_gbp", "share_pct"])
    return messages.GrantFacts(
        by_area=by_area, fair=fair, basis=GrantsBasis(None, 2015, E15, False, "aggregated"), award_years=(2013, 2018), latest=E25,
        concentrated=concentrated if concentrated is not None else empty, index=-0.34, index_without={"W1": -0.19}, placement="recipient",
    )


def test_grant_message_names_period_residents_year_and_why_another_edition():
    f = _facts({"A": 7200.0, "B": 2800.0}, {"A": 2200.0, "B": 7800.0}, {"A": 33.0, "B": 67.0})
    (msg,) = messages.grants_messages(f, _scope("A"))
    assert msg == (
        "A received 72% of the grant £ recorded in 2013–2018 (£7,200; £3.27 per mid-2015 resident, Town £1.00). It has 22% of "
        "Town's mid-2015 residents and 33% of the residents of Town's most deprived fifth of neighbourhoods on IoD2015, the IoD's "
        "own mid-2012 residents — the edition of the grants' own years, not the IoD2025 used above."
    )


def test_concentration_is_flagged_with_the_index_without_the_ward():
    flagged = pd.DataFrame([{"area": "A", "ward_code": "W1", "ward_name": "St Matthew's", "ward_gbp": 97.0, "area_gbp": 100.0, "share_pct": 97.1}])
    f = _facts({"A": 100.0, "B": 10.0}, {"A": 50.0, "B": 50.0}, {"A": 1.0, "B": 1.0}, flagged)
    msgs = messages.grants_messages(f, _scope("A"))
    assert msgs[-1] == (
        "97% of A's grant £ (2013–2018) went to organisations in one ward, St Matthew's; grants are placed by the recipient "
        "organisation's address, so an organisation based there may serve a wider area. Without St Matthew's, the concentration "
        "index across Town's wards moves from -0.34 to -0.19."
    )
    card = messages.headlines(
        pd.DataFrame({"year": [2021, 2021], "locality": ["A", "B"], "age_band": ["all", "all"], "population": [50, 50]}),
        _shares({"A": (50, 50, 50, 10.0, 3.0), "B": (50, 50, 50, 10.0, 3.0), "Town": (100, 100, 100, 10.0, 3.0)}), E25, _scope("A"), f,
    )
    assert card["Share of A's grant £ to organisations in one ward"] == "97% (St Matthew's)"
    assert card["Grant £ per resident (2013–2018 awards, mid-2015 residents)"] == "£2.00"


def test_zero_grants_placed_gives_a_sentence_not_a_crash():
    f = _facts({"A": 0.0, "B": 0.0}, {"A": 50.0, "B": 50.0}, {"A": 1.0, "B": 1.0})
    assert messages.grants_messages(f, _scope("A")) == ["No grant in the register could be placed in an area, so there are no grant figures for Town."]


def test_area_less_deprived_on_every_domain_is_said_plainly():
    rel = pd.DataFrame({"domain_label": ["Crime", "Income"], "measure": ["share_residents_decile_1_2_pct"] * 2, "gap": [-4.46, -24.3]})
    text = relative_domains(rel, _scope("A"), E25)
    assert text.startswith("**A is less deprived than Town on every domain (IoD2025).** Closest to Town's level: Crime (-4.5")
    rel["gap"] = [3.0, -1.0]
    text = relative_domains(rel, _scope("A"), E25)
    assert text.startswith("**Where A is more deprived than Town (IoD2025):** Crime (+3.0") and "Income" not in text


def test_hostile_names_are_escaped_in_messages():
    hostile = 'W <img src=x onerror="alert(1)">'
    shares = _shares({hostile: (600, 60, 90, 30.0, 40.0), "B": (400, 40, 10, 5.0, 2.0), "Town": (1000, 100, 100, 20.0, 25.0)})
    for m in messages.deprivation_messages(shares, _scope(hostile, (hostile, "B")), E25):
        assert "<img" not in m and "&lt;img" in m


# -- the real packs -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def south() -> Pack:
    return Pack.open("south", ROOT)


def test_south_key_figures_are_the_unrounded_values_rounded_once(south: Pack):
    shares = south.deprivation.fifth_shares().set_index("area")
    msgs = messages.deprivation_messages(south.deprivation.fifth_shares(), south.scope, south.deprivation.latest)
    assert f"{shares.loc['South', 'share_of_fifth_pct']:.0f}% live in South" in msgs[0]
    assert f"{shares.loc['South', 'in_fifth_pct']:.0f}% of South's own residents" in msgs[1]
    # independent count from the quintile table: residents of South in quintile 1 over South's residents
    d = south.deprivation.latest_distribution()
    south_rows = d[d["locality"] == "South"]
    assert shares.loc["South", "in_fifth_pct"] == pytest.approx(100 * south_rows.loc[south_rows["quintile"] == 1, "residents"].sum() / south_rows["residents"].sum())


def test_south_town_centre_effect_is_in_the_key_messages_and_card(south: Pack):
    f = grant_facts(south.grants)
    assert f is not None
    row = f.concentrated.iloc[0]
    assert (row["ward_name"], round(row["share_pct"])) == ("St Matthew's", 97)
    assert f.index == pytest.approx(-0.3406, abs=1e-4) and f.index_without[row["ward_code"]] == pytest.approx(-0.1897, abs=1e-4)


def test_consistent_growth_uses_mid_year_estimates_from_the_baseline(south: Pack):
    start, end, pct = south.population.consistent_growth()
    assert (start, end) == (2015, 2020)
    t = south.population.table()
    a = t[(t["age_band"] == "all")].pivot_table(index="year", columns="locality", values="population", aggfunc="sum")
    assert pct["South"] == pytest.approx(100 * (a.loc[2020, "South"] / a.loc[2015, "South"] - 1))
    assert pct["Walsall"] == pytest.approx(100 * (a.loc[2020].sum() / a.loc[2015].sum() - 1))
    assert pct["South"] > pct["Walsall"]


def test_glance_rows_and_questions_for_south(south: Pack):
    f = grant_facts(south.grants)
    table, shares = south.population.table(), south.deprivation.fifth_shares()
    rows = glance.rows(table, shares, south.deprivation.latest, south.scope, f)
    assert list(rows.columns) == ["Measure", "South", "Walsall"]
    assert 4 <= len(rows) <= 6
    asks = glance.questions(table, shares, south.population.consistent_growth(), south.deprivation.latest, south.scope, f)
    assert 3 <= len(asks) <= 4
    assert any("St Matthew's" in q for q in asks)


# -- the published packs -----------------------------------------------------------------------------

DEPRIVATION_SHARE = re.compile(r"most deprived (fifth|10%)")


@pytest.mark.slow
@pytest.mark.parametrize("pack", ["borough", "north", "south", "east", "west"])
def test_every_message_and_card_quoting_a_deprivation_share_names_its_edition(built_reports: Path, pack: str):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from golden_tools import key_messages

    page = (built_reports / f"{pack}.html").read_text(encoding="utf-8")
    for m in key_messages(page):
        if DEPRIVATION_SHARE.search(m):
            assert re.search(r"IoD20\d\d", m), m
            assert "residents" in m.split("IoD20", 1)[1], f"no population base: {m}"
    manifest = json.loads((built_reports / "manifest.json").read_text(encoding="utf-8"))
    for label, _ in manifest["packs"][pack]["headlines"]:
        if DEPRIVATION_SHARE.search(label):
            assert re.search(r"IoD20\d\d", label), label
        if label.startswith("Grant £ per resident"):
            assert "awards" in label and "residents" in label, label


@pytest.mark.slow
def test_each_pack_states_its_wards_accessibility_and_glance(built_reports: Path):
    for pack in ("borough", "north", "south", "east", "west"):
        page = (built_reports / f"{pack}.html").read_text(encoding="utf-8")
        assert "Wards: 2024 boundaries (ONS WD24)." in page
        assert "Walsall has used 20 new wards since May 2026" in page
        assert f"axe-core {AXE_CORE_VERSION}" in page and "another format" in page
        assert 'id="At-a-glance"' in page and "Questions scrutiny might ask" in page
        assert "2,024" not in page and "2,022" not in page
        assert page.count("expected count below 5") + page.count("expect fewer than 5") <= 1


def test_axe_core_version_stated_is_the_one_the_checks_run():
    pinned = json.loads((ROOT / "tests" / "browser" / "package.json").read_text(encoding="utf-8"))["devDependencies"]["axe-core"]
    assert pinned == AXE_CORE_VERSION


def test_one_recipient_taking_most_of_an_areas_money_is_flagged():
    f = _facts({"A": 100.0, "B": 10.0}, {"A": 50.0, "B": 50.0}, {"A": 1.0, "B": 1.0})
    f = messages.GrantFacts(**{**f.__dict__, "recipients": pd.DataFrame(
        [{"area": "A", "recipient": "Big <b>Trust</b>", "recipient_gbp": 80.0, "area_gbp": 100.0, "share_pct": 80.0}])})
    msgs = messages.grants_messages(f, _scope("A"))
    assert msgs[-1] == "80% of A's grant £ (2013–2018) went to one recipient, Big &lt;b&gt;Trust&lt;/b&gt;."
    card = messages.headlines(
        pd.DataFrame({"year": [2021, 2021], "locality": ["A", "B"], "age_band": ["all", "all"], "population": [50, 50]}),
        _shares({"A": (50, 50, 50, 10.0, 3.0), "B": (50, 50, 50, 10.0, 3.0), "Town": (100, 100, 100, 10.0, 3.0)}), E25, _scope("A"), f,
    )
    assert card["Share of A's grant £ to one recipient"] == "80% (Big <b>Trust</b>)"  # plain text: the index page escapes it


def test_recipient_concentration_from_a_grant_level_register(tmp_path):
    """The illustrative (grant-level) register: no recipient takes half an area's money; with the threshold
    lowered to 1% every area has one, and its share is the largest recipient's £ over the area's £."""
    from reviewpack.config import load_pack_params
    from reviewpack.ingest.inputs import PackInputs

    example = ROOT / "params" / "examples" / "area_partnership_illustrative.yaml"
    low = tmp_path / "low.yaml"
    low.write_text("grants: {concentration_threshold: 0.01}\n", encoding="utf-8")
    P = Pack(PackInputs(ROOT, load_pack_params(ROOT, "north", [example, low])))
    flagged = P.grants.recipients_concentrated()
    assert list(flagged["area"]) == ["North"]
    placed = P.grants.register.placed
    north = placed[placed["locality"] == "North"]
    top = north.groupby("recipient")["amount_gbp"].sum().max()
    assert flagged.loc[0, "share_pct"] == pytest.approx(100 * top / north["amount_gbp"].sum())
