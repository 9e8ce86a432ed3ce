"""The 360Giving column vocabulary and the limits every row is checked against.

Flat-CSV column titles (required, aggregated, JSON field -> title mappings), the titles that
are matched ignoring case and spacing, the ONS code shapes and type names, and the standard
columns every output frame of :func:`~reviewpack.ingest.threesixtygiving.read_register` carries.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------
# Column vocabulary
# ---------------------------------------------------------------------------

#: Columns a grant-level 360Giving register must have (flat-CSV titles).
REQUIRED_COLUMNS: tuple[str, ...] = (
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Award Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Funding Org:Identifier",
    "Funding Org:Name",
)

#: Columns a pre-aggregated register (ward x year x funder) must have.
AGGREGATED_REQUIRED_COLUMNS: tuple[str, ...] = (
    "Funding Org:Name",
    "Award Year",
    "Recipient Ward Geographic Code",
    "grant_count",
    "amount_awarded_total",
)

BENEFICIARY_CODE = "Beneficiary Location:Geographic Code"
#: not in the 360Giving standard, but some registers add it: the postcode of where the work happened
BENEFICIARY_POSTCODE = "Beneficiary Location:Postal Code"
RECIPIENT_POSTCODE = "Recipient Org:Postal Code"
GRANTNAV_WARD = "recipient_ward_code_grantnav"
AGG_WARD = "Recipient Ward Geographic Code"

# JSON (360Giving schema field names) -> flat-CSV titles.
_JSON_SCALARS: dict[str, str] = {
    "id": "Identifier",
    "title": "Title",
    "description": "Description",
    "currency": "Currency",
    "amountAppliedFor": "Amount Applied For",
    "amountAwarded": "Amount Awarded",
    "amountDisbursed": "Amount Disbursed",
    "awardDate": "Award Date",
    "url": "URL",
    "fromOpenCall": "From an open call?",
    "dateModified": "Last Modified",
    "dataSource": "Data Source",
}
_EVENT = {"startDate": "Start Date", "endDate": "End Date", "duration": "Duration (months)", "title": "Title"}
_ORG = {
    "id": "Identifier",
    "name": "Name",
    "department": "Department",
    "charityNumber": "Charity Number",
    "companyNumber": "Company Number",
    "streetAddress": "Street Address",
    "addressLocality": "City",
    "addressRegion": "County",
    "postalCode": "Postal Code",
    "addressCountry": "Country",
    "description": "Description",
    "url": "Web Address",
}
_JSON_ARRAYS: dict[str, tuple[str, dict[str, str]]] = {
    "recipientOrganization": ("Recipient Org", _ORG),
    "fundingOrganization": ("Funding Org", _ORG),
    "beneficiaryLocation": (
        "Beneficiary Location",
        {
            "name": "Name",
            "countryCode": "Country Code",
            "geoCode": "Geographic Code",
            "geoCodeType": "Geographic Code Type",
            "latitude": "Latitude",
            "longitude": "Longitude",
        },
    ),
    "grantProgramme": ("Grant Programme", {"code": "Code", "title": "Title", "url": "URL"}),
    "plannedDates": ("Planned Dates", _EVENT),
    "actualDates": ("Actual Dates", _EVENT),
}
# Columns always created from a JSON package, so every file has the same flat shape.
_JSON_GAPLESS: tuple[str, ...] = (
    tuple(_JSON_SCALARS.values())
    + tuple(f"Recipient Org:{t}" for f, t in _ORG.items() if f != "department")
    + ("Funding Org:Identifier", "Funding Org:Name", "Funding Org:Department")
    + tuple(f"Beneficiary Location:{t}" for t in _JSON_ARRAYS["beneficiaryLocation"][1].values())
    + tuple(f"Grant Programme:{t}" for t in _JSON_ARRAYS["grantProgramme"][1].values())
    + tuple(f"Planned Dates:{t}" for f, t in _EVENT.items() if f != "title")
)

_KNOWN_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(
        REQUIRED_COLUMNS
        + AGGREGATED_REQUIRED_COLUMNS
        + tuple(_JSON_SCALARS.values())
        + tuple(f"{p}:{t}" for p, fields in _JSON_ARRAYS.values() for t in fields.values())
        + (
            "Recipient Org:Country Code",
            "Recipient District Geographic Code",
            "Recipient Region",
            GRANTNAV_WARD,
            "recipient_district_code_grantnav",
            BENEFICIARY_POSTCODE,
        )
    )
)
_CANONICAL: dict[str, str] = {c.lower(): c for c in _KNOWN_COLUMNS}

# ---------------------------------------------------------------------------
# Validation vocabulary
# ---------------------------------------------------------------------------

_GSS_RE = r"[A-Z]\d{8}"
_ISO_DATE_RE = (
    r"\d{4}-\d{2}-\d{2}"
    r"(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_MAX_AMOUNT = 1e12  # anything this large is a data-entry error, and it keeps sums finite
_MAX_GRANT_COUNT = 1e9
_HEADER_SEARCH_ROWS = 10
_TYPE_NAMES = {
    "E00": "an Output Area",
    "E01": "an LSOA",
    "E02": "an MSOA",
    "E04": "a parish",
    "E05": "a ward",
    "E06": "a local authority (unitary)",
    "E07": "a local authority (district)",
    "E08": "a local authority (metropolitan district)",
    "E09": "a local authority (London borough)",
    "E10": "a county",
    "E12": "a region",
    "E14": "a parliamentary constituency",
    "E92": "a country",
}

# Standard columns every output frame carries, in this order (ward attributes follow ward_name).
_STD_HEAD = [
    "source_row",
    "identifier",
    "title",
    "funder",
    "recipient_id",
    "recipient",
    "award_date",
    "award_year",
    "financial_year",
    "currency",
    "amount_original",
    "amount_gbp",
    "grants",
    "geo_code",
    "placement",
    "ward_code",
    "ward_name",
]
