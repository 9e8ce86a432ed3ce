"""Placing grants in the borough's wards by ward code, LSOA code, GrantNav's ward column or postcode.

A grant-level row is placed from the first of its candidate columns (see
:func:`_candidate_code_columns`) that holds a ward or LSOA code of the borough; LSOA codes are
turned into wards with the LSOA lookup.  A row still unplaced is then placed by postcode (see
:func:`_candidate_postcode_columns`: the beneficiary location's, then the recipient
organisation's) when a postcode -> LSOA 2021 lookup is given.  An aggregated row is placed from
its ward column.

Every placed row's ``placement`` is ``"<column> (ward)"``, ``"<column> (LSOA)"`` or
``"<column> (postcode)"``; :data:`METHODS` names the three methods the reconciliation counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from .checks import _quote, _reason, _text
from .columns import _GSS_RE, _TYPE_NAMES, AGG_WARD, BENEFICIARY_CODE, BENEFICIARY_POSTCODE, GRANTNAV_WARD, RECIPIENT_POSTCODE
from .postcodes import normalise

#: how a row was placed, from its ``placement`` suffix: by ward code, LSOA code or postcode
METHODS = {"(ward)": "ward code", "(LSOA)": "LSOA code", "(postcode)": "postcode"}
#: ``(postcodes wanted) -> {postcode: LSOA 2021 code}``: a postcode lookup, read for just those postcodes
PostcodeLookup = Callable[[set[str]], dict[str, str]]


def placement_method(placement: object) -> str:
    """``'ward code'``, ``'LSOA code'`` or ``'postcode'`` for a placed row's ``placement``; ``'not placed'`` otherwise."""
    text = str(placement) if isinstance(placement, str) else ""
    return next((m for suffix, m in METHODS.items() if text.endswith(suffix)), "not placed")


def _candidate_postcode_columns(columns: Iterable[str]) -> list[str]:
    """The postcode columns a grant is placed by, in order: the beneficiary location's, then the recipient's."""
    cols = set(columns)
    return [c for c in (BENEFICIARY_POSTCODE, RECIPIENT_POSTCODE) if c in cols]


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
    postcode_cols: list[str] | None = None,
    postcode_lookup: PostcodeLookup | None = None,
    lookup_name: str = "the postcode lookup",
) -> dict[str, Any]:
    """Vectorised placement.  Returns ward_code/geo_code/placement per row, rejection and unplaced reasons.

    ``postcode_cols`` are looked up (after every code column) only when ``postcode_lookup`` is given;
    ``lookup_name`` names the lookup in the reasons of rows it could not place.
    """
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

    pc_cols = postcode_cols or []
    pc_reason = pd.Series("", index=frame.index, dtype=object)  # why a row's postcode did not place it
    if postcode_lookup is not None and pc_cols and n:
        normalised = {}
        for col in pc_cols:
            raw = _text(frame, col)
            pcs, bad = normalise(raw)
            normalised[col] = pcs
            reject_parts.append(
                _reason(
                    bad,
                    lambda m, col=col, raw=raw: col
                    + " "
                    + _quote(raw[m], 30)
                    + " is not a UK postcode (an outward and an inward code, e.g. SW1A 1AA)",
                )
            )
        wanted = set().union(*(set(p[p != ""]) for p in normalised.values()))
        found = postcode_lookup(wanted) if wanted else {}
        for col, pcs in normalised.items():
            lsoa = pcs.map(found)
            ward = lsoa.map(borough_lsoa)
            free = ward_code.isna()
            take = free & ward.notna()
            ward_code = ward_code.mask(take, ward)
            geo_code = geo_code.mask(take, lsoa)
            placement = placement.mask(take, f"{col} (postcode)")
            # the first postcode that did not place a row gives its reason
            miss = free & ~take & (pcs != "") & (pc_reason == "")
            outside = miss & lsoa.notna()
            unknown = miss & lsoa.isna()
            pc_reason = pc_reason.mask(
                outside, "postcode " + pcs.where(outside, "") + " is in LSOA " + lsoa.where(outside, "").astype(str) + ", outside this borough"
            )
            pc_reason = pc_reason.mask(unknown, "postcode " + pcs.where(unknown, "") + f" is not in {lookup_name}: outside the area it covers, newer than it, or mistyped")

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
            if postcode_lookup is None:
                none_msg = f"no ward or LSOA code to place it by ({what_blank}; postcodes are not looked up)"
                if pc_cols:
                    none_msg = none_msg[:-1] + " without grants.postcode_lookup)"
            else:
                blank_pc = " and ".join(f"{c} is blank" for c in pc_cols) if pc_cols else "the file has no postcode column"
                none_msg = f"no ward or LSOA code or postcode to place it by ({what_blank}; {blank_pc})"
        no_code = ~pd.Series(any_code, index=frame.index)
        unplaced = unplaced.mask(no_code & (pc_reason != ""), pc_reason)
        unplaced = unplaced.mask(no_code & (pc_reason == ""), none_msg)
    return {
        "ward_code": ward_code,
        "geo_code": geo_code,
        "placement": placement,
        "reject": reject_parts,
        "unplaced_reason": unplaced.to_numpy(),
        "first_other": first_other,
    }
