"""Display helpers: escaping, CSV safety, alt text."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from reviewpack import report


def test_table_html_escapes_data_and_formats_numbers() -> None:
    df = pd.DataFrame({"name": ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"], "amount": [1234567.0, -5.0]})
    out = report.table_html(df, "Grants & more", formats={"amount": "{:,.0f}"}, csv_href="tables/x/y.csv")
    assert "<script>" not in out and "<img src=x" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert '<td class="num">1,234,567</td>' in out
    assert "<caption>Grants &amp; more" in out
    assert 'href="tables/x/y.csv"' in out
    assert '<th scope="col" class="num">amount</th>' in out


@pytest.mark.parametrize(
    "value, expected",
    [("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+cmd", "'+cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("-12.5", "-12.5"), ("-x", "'-x"), ("Walsall", "Walsall"), (-3, -3)],
)
def test_csv_formula_injection_neutralised(value: object, expected: object) -> None:
    assert report.neutralise_csv_cell(value) == expected


def test_table_csv_keeps_negative_numbers() -> None:
    df = pd.DataFrame({"t": ["=1+1", "ok"], "n": [-1.5, 2.0]})
    assert report.table_csv(df) == "t,n\n'=1+1,-1.5\nok,2.0\n"


def test_show_figure_requires_alt_text() -> None:
    with pytest.raises(ValueError, match="alt text"):
        report.show_figure(Figure(), "  ")


def test_md_escape_neutralises_markup() -> None:
    assert report.md_escape("<b>[x](y)</b>") == "&lt;b&gt;\\[x\\]\\(y\\)&lt;/b&gt;"
