"""A general 360Giving grant register reader (CSV, XLSX, JSON; grant-level or aggregated).

A *grant register* is a list of grants published in the 360Giving Data Standard
(https://standard.threesixtygiving.org/).  This package reads one, checks every
row and places each grant in a ward (and so in an area such as a locality).
The tables the packs show are made from a :class:`Register` by
:mod:`reviewpack.analysis.grants`; the measures of fairness by
:mod:`reviewpack.analysis.equity`.

Modules: :mod:`.columns` (vocabulary), :mod:`.table` (header location, text
records -> table), :mod:`.formats` (decoding, CSV / XLSX / JSON), :mod:`.checks`
(row validation), :mod:`.place` (wards and LSOAs), :mod:`.register`
(:func:`read_register`, assembly, reconciliation).

Reading (:func:`read_register`)
-------------------------------
Accepted inputs, detected from the file's content (not only its extension):

* **360Giving flat CSV** in UTF-8, UTF-8 with a byte-order mark (as Excel's
  "CSV UTF-8" writes it), UTF-16 with a byte-order mark, or Windows-1252 (Excel's
  plain "CSV" on Windows).  The encoding used is recorded in
  :attr:`Register.encoding`.  Comma-separated; a header row with no comma but
  with semicolons or tabs is read with that delimiter (and a note is recorded).
* **XLSX workbooks**: the first sheet whose header row (within its first 10
  rows) holds the required 360Giving columns; :attr:`Register.sheet` says which.
* **360Giving JSON packages** ``{"grants": [...]}``: each grant's nested objects
  are flattened to the flat-CSV column titles (``recipientOrganization[0].name``
  -> ``Recipient Org:Name``; later array items get numbered titles such as
  ``Beneficiary Location:1:Geographic Code``, as flatten-tool writes them).
* **Pre-aggregated registers** (ward x award year x funder, with a grant count
  and an amount), detected by their columns (see
  :data:`AGGREGATED_REQUIRED_COLUMNS`).

Column titles are matched ignoring case and extra spaces, and numbered titles
for the first item (``Recipient Org:0:Name``, as GrantNav exports them) are
read as the plain title (``Recipient Org:Name``).

The required columns of a grant-level register are those the 360Giving
schema makes required: ``id, title, description, currency, amountAwarded,
awardDate`` and ``recipientOrganization``/``fundingOrganization`` each with
``id`` and ``name`` (see :data:`REQUIRED_COLUMNS`).

Whole-file problems (file missing, unreadable, empty, header only, required
columns missing, format not recognised) raise :class:`~reviewpack.errors.GrantsError`.
Row-level problems never raise: each row ends in exactly one of

* ``placed``: valid and placed in one of the borough's wards;
* ``unplaced``: valid, but with no ward or LSOA code of the borough (for
  example a record with only a postcode, or a code outside the borough), with a
  ``reason``;
* ``rejected``: not valid (amount blank, not a number or negative; award date
  blank, not ISO 8601 or in the future; currency blank or not GBP with no
  exchange rate given; identifier blank or repeated; a geographic code that is
  not a real code), with a ``reason``.

:attr:`Register.reconciliation` proves that rows in = placed + unplaced +
rejected, in grants and in pounds.

Placement
---------
A grant-level row is placed from the first of these that is a ward code or an
LSOA code of the borough: ``Beneficiary Location:Geographic Code``, then any
further beneficiary locations (``Beneficiary Location:1:Geographic Code``, ...),
then ``recipient_ward_code_grantnav`` (GrantNav's geocoding of the recipient's
postcode) when that column exists.  LSOA codes are turned into wards with the
``lsoas`` lookup.  An aggregated row is placed from its ward column.
"""

from .checks import financial_year_label
from .columns import AGG_WARD, AGGREGATED_REQUIRED_COLUMNS, BENEFICIARY_CODE, GRANTNAV_WARD, REQUIRED_COLUMNS
from .register import Reconciliation, Register, read_register

__all__ = [
    "AGGREGATED_REQUIRED_COLUMNS",
    "AGG_WARD",
    "BENEFICIARY_CODE",
    "GRANTNAV_WARD",
    "REQUIRED_COLUMNS",
    "Reconciliation",
    "Register",
    "financial_year_label",
    "read_register",
]
