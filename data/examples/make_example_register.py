"""Write an ILLUSTRATIVE (made-up) Area Partnership grant register in 360Giving flat-CSV format.

Nothing in the output is real: no grant, organisation, amount or date.  It exists only to show
how reviewpack compares an area grants programme with its budgets (``grants.budget_vs_spend``)
and to exercise the reader on a realistic-looking file.  It never feeds a default pack.

What it models, loosely, is the 2015 scrutiny paper's description of the programme: each Area
Partnership had a budget of about £40,000 a year, spent mostly on small grants to local
voluntary and community groups.  Here:

* one budget per Area Partnership (from ``data/raw/walsall_ward_locality.csv``, read at run
  time) and financial year (April to March), for three financial years;
* each Area Partnership aims to spend a made-up 80% to 105% of its budget in a year, in grants of
  £250 to £5,000 (multiples of £50) to made-up groups;
* each grant's ``Beneficiary Location:Geographic Code`` is one of that Area Partnership's ward
  codes, so the grants can be placed by ward.

Every ``Title`` starts with ``ILLUSTRATIVE — not a real grant:`` and the funder is
``Illustrative example (not real data)``.

The output is deterministic: the same seed gives the same bytes (UTF-8, no byte-order mark,
``\\n`` line endings).

Usage::

    python data/examples/make_example_register.py            # writes the default file
    python data/examples/make_example_register.py --out x.csv --seed 7
"""

from __future__ import annotations

import argparse
import csv
import io
from datetime import date, timedelta
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WARDS = ROOT / "data" / "raw" / "walsall_ward_locality.csv"
DEFAULT_OUT = HERE / "area_partnership_grants_illustrative.csv"
DEFAULT_SEED = 20150401

BUDGET_GBP = 40_000
FIRST_FINANCIAL_YEARS = (2013, 2014, 2015)  # 2013/14, 2014/15, 2015/16
SPEND_SHARE_RANGE = (0.80, 1.05)
GRANT_STEPS = (5, 100)  # grants of £50 x 5..100 = £250..£5,000
GROUPS_PER_AP = 12

TITLE_PREFIX = "ILLUSTRATIVE — not a real grant: "
FUNDER_NAME = "Illustrative example (not real data)"
FUNDER_ID = "360G-ILLUSTRATIVE"
DESCRIPTION = (
    "Made-up record for demonstrating reviewpack. Not a real grant, organisation, amount or date."
)

GROUP_KINDS = (
    "Residents Association",
    "Youth Club",
    "Community Garden",
    "Luncheon Club",
    "Sports Club",
    "Arts Collective",
    "Parents Group",
    "Heritage Society",
    "Walking Group",
    "Community Choir",
    "Allotment Society",
    "Friends Group",
)
PURPOSES = (
    "summer play scheme",
    "community clean-up day",
    "lunch club for older residents",
    "football kit for a youth team",
    "planters for a community garden",
    "family fun day",
    "digital skills sessions",
    "local history walk leaflets",
    "health walks programme",
    "after-school homework club",
    "street party equipment",
    "community choir sheet music",
)

COLUMNS = (
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Award Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Beneficiary Location:Name",
    "Beneficiary Location:Geographic Code",
    "Beneficiary Location:Geographic Code Type",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Grant Programme:Code",
    "Grant Programme:Title",
)


def _wards_by_ap(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Area Partnership -> [(ward_code, ward_name), ...], in file order."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        out.setdefault(r["area_partnership"].strip(), []).append((r["ward_code"].strip(), r["ward_name"].strip()))
    return dict(sorted(out.items(), key=lambda kv: (len(kv[0]), kv[0])))


def make_rows(seed: int = DEFAULT_SEED, wards_path: Path = WARDS) -> list[dict[str, str]]:
    """Build the made-up grant rows (sorted by award date, then Area Partnership)."""
    rng = np.random.default_rng(seed)
    wards = _wards_by_ap(wards_path)
    grants = []
    for ap, ap_wards in wards.items():
        groups = [
            (f"360G-ILLUSTRATIVE-ORG-{ap}{k + 1:02d}", f"Made-up {GROUP_KINDS[k % len(GROUP_KINDS)]} {ap}{k + 1:02d}")
            for k in range(GROUPS_PER_AP)
        ]
        for fy in FIRST_FINANCIAL_YEARS:
            target = BUDGET_GBP * float(rng.uniform(*SPEND_SHARE_RANGE))
            spent = 0
            start = date(fy, 4, 1)
            days = (date(fy + 1, 4, 1) - start).days
            while True:
                amount = 50 * int(rng.integers(GRANT_STEPS[0], GRANT_STEPS[1] + 1))
                if spent + amount > target:
                    break
                spent += amount
                ward_code, ward_name = ap_wards[int(rng.integers(0, len(ap_wards)))]
                org_id, org_name = groups[int(rng.integers(0, len(groups)))]
                purpose = PURPOSES[int(rng.integers(0, len(PURPOSES)))]
                award = start + timedelta(days=int(rng.integers(0, days)))
                grants.append(
                    {
                        "Title": TITLE_PREFIX + purpose[0].upper() + purpose[1:],
                        "Description": DESCRIPTION,
                        "Currency": "GBP",
                        "Amount Awarded": str(amount),
                        "Award Date": award.isoformat(),
                        "Recipient Org:Identifier": org_id,
                        "Recipient Org:Name": org_name,
                        "Beneficiary Location:Name": ward_name,
                        "Beneficiary Location:Geographic Code": ward_code,
                        "Beneficiary Location:Geographic Code Type": "WD",
                        "Funding Org:Identifier": FUNDER_ID,
                        "Funding Org:Name": FUNDER_NAME,
                        "Grant Programme:Code": f"ILLUSTRATIVE-AP{ap}",
                        "Grant Programme:Title": f"Area Partnership {ap} small grants (illustrative)",
                        "_ap": ap,
                    }
                )
    grants.sort(key=lambda g: (g["Award Date"], len(g["_ap"]), g["_ap"], g["Recipient Org:Identifier"], g["Amount Awarded"]))
    rows = []
    for i, g in enumerate(grants, start=1):
        g = {k: v for k, v in g.items() if k != "_ap"}
        g["Identifier"] = f"360G-ILLUSTRATIVE-{i:05d}"
        rows.append({c: g[c] for c in COLUMNS})
    return rows


def render(rows: list[dict[str, str]]) -> bytes:
    """The rows as CSV bytes (UTF-8, no BOM, LF line endings)."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output CSV (default {DEFAULT_OUT.name})")
    parser.add_argument("--wards", type=Path, default=WARDS, help="ward -> area partnership lookup CSV")
    args = parser.parse_args(argv)
    data = render(make_rows(args.seed, args.wards))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
