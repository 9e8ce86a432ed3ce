"""Placing grants in the borough's wards by ward code, LSOA code or GrantNav's ward column.

A grant-level row is placed from the first of its candidate columns (see
:func:`_candidate_code_columns`) that holds a ward or LSOA code of the borough; LSOA codes are
turned into wards with the LSOA lookup.  An aggregated row is placed from its ward column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .checks import _quote, _reason, _text
from .columns import _GSS_RE, _TYPE_NAMES, AGG_WARD, BENEFICIARY_CODE, GRANTNAV_WARD


def _candidate_code_columns(columns: Iterable[str]) -> list[str]:
    cols = list(columns)
    extra = sorted(
        (c for c in cols if re.fullmatch(r"Beneficiary Location:\d+:Geographic Code", c)),
        key=lambda c: int(c.split(":")[1]),
    )
    out = [c for c in (BENEFICIARY_CODE,) if c in cols] + extra
    if GRANTNAV_WARD in cols:
        out.append(GRANTNAV_WARD)
    return out


def _place(
    frame: pd.DataFrame,
    cand_cols: list[str],
    wards: pd.DataFrame,
    lsoa_map: dict[str, str],
    known: set[str] | None,
    kind: str,
) -> dict[str, Any]:
    """Vectorised placement.  Returns ward_code/geo_code/placement per row, rejection and unplaced reasons."""
    n = len(frame)
    ward_set = set(wards["ward_code"])
    borough_lsoa = {k: v for k, v in lsoa_map.items() if v in ward_set}
    check_prefixes = {c[:3] for c in ward_set} | {c[:3] for c in lsoa_map}
    ward_code = pd.Series([None] * n, index=frame.index, dtype=object)
    geo_code = pd.Series([None] * n, index=frame.index, dtype=object)
    placement = pd.Series([None] * n, index=frame.index, dtype=object)
    first_other = pd.Series([None] * n, index=frame.index, dtype=object)  # first well-formed code not placed
    any_code = np.zeros(n, dtype=bool)
    reject_parts: list[np.ndarray] = []

    for col in cand_cols:
        raw = _text(frame, col)
        code = raw.str.upper().str.replace(" ", "", regex=False)
        blank = code == ""
        any_code |= ~blank.to_numpy()
        wellformed = code.str.fullmatch(_GSS_RE)
        bad = ~blank & ~wellformed
        is_ward = code.isin(ward_set)
        is_lsoa = code.isin(borough_lsoa.keys())
        reject_parts.append(
            _reason(
                bad,
                lambda m, col=col, raw=raw: col
                + " "
                + _quote(raw[m], 30)
                + " is not a valid ONS geography code (a letter and 8 digits, e.g. E05 for a ward or E01 for an LSOA)",
            )
        )
        if known is not None:
            unknown = (
                ~blank
                & wellformed
                & ~is_ward
                & ~code.isin(lsoa_map.keys())
                & code.str.slice(0, 3).isin(check_prefixes)
                & ~code.isin(known)
            )
            reject_parts.append(
                _reason(
                    unknown,
                    lambda m, col=col, raw=raw: col
                    + " "
                    + _quote(raw[m], 30)
                    + " is not a known ward or LSOA code (check for a typing error)",
                )
            )
        free = ward_code.isna()
        take_w = free & is_ward
        take_l = free & ~is_ward & is_lsoa
        ward_code = ward_code.mask(take_w, code).mask(take_l, code.map(borough_lsoa))
        geo_code = geo_code.mask(take_w | take_l, code)
        placement = placement.mask(take_w, f"{col} (ward)").mask(take_l, f"{col} (LSOA)")
        other = free & ~blank & wellformed & ~is_ward & ~is_lsoa & first_other.isna()
        first_other = first_other.mask(other, code)

    # unplaced reasons: by the first well-formed code that was not in the borough, or "no code"
    unplaced = pd.Series("", index=frame.index, dtype=object)
    if n:
        codes = first_other.dropna().unique()
        what = {}
        for c in codes:
            prefix = c[:3]
            if c in lsoa_map or prefix in check_prefixes:
                what[c] = f"code {c} is not a ward or LSOA of this borough (outside the borough)"
            else:
                kind_name = _TYPE_NAMES.get(prefix, f"a '{prefix}' area")
                what[c] = f"code {c} is {kind_name} code, not a ward or LSOA code, so it cannot be placed in one ward"
        unplaced = first_other.map(what).fillna("")
        if kind == "aggregated":
            none_msg = f"no ward code ({AGG_WARD} is blank)"
        else:
            what_blank = (
                f"{BENEFICIARY_CODE} is blank"
                if BENEFICIARY_CODE in cand_cols
                else f"the file has no {BENEFICIARY_CODE} column"
            )
            if GRANTNAV_WARD in cand_cols:
                what_blank += f" and {GRANTNAV_WARD} is blank"
            none_msg = f"no ward or LSOA code to place it by ({what_blank}; postcodes are not looked up)"
        unplaced = unplaced.mask(~pd.Series(any_code, index=frame.index), none_msg)
    return {
        "ward_code": ward_code,
        "geo_code": geo_code,
        "placement": placement,
        "reject": reject_parts,
        "unplaced_reason": unplaced.to_numpy(),
        "first_other": first_other,
    }
