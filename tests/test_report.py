"""Display helpers: escaping, CSV safety, alt text."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from reviewpack.present import display, tables
from reviewpack.present.narrative.text import md_escape


def test_table_html_escapes_data_and_formats_numbers() -> None:
    df = pd.DataFrame({"name": ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"], "amount": [1234567.0, -5.0]})
    out = tables.table_html(df, "Grants & more", formats={"amount": "{:,.0f}"}, csv_href="tables/x/y.csv")
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
    assert tables.neutralise_csv_cell(value) == expected


def test_table_csv_keeps_negative_numbers() -> None:
    df = pd.DataFrame({"t": ["=1+1", "ok"], "n": [-1.5, 2.0]})
    assert tables.table_csv(df) == "t,n\n'=1+1,-1.5\nok,2.0\n"


def test_show_figure_requires_alt_text() -> None:
    with pytest.raises(ValueError, match="alt text"):
        display.show_figure(Figure(), "  ")


def test_md_escape_neutralises_markup() -> None:
    assert md_escape("<b>[x](y)</b>") == "&lt;b&gt;\\[x\\]\\(y\\)&lt;/b&gt;"


@pytest.mark.parametrize("n_areas", [3, 12])
def test_grouped_bars_with_every_value_zero_draws_without_warnings(n_areas: int) -> None:
    """A council with no neighbourhood in the most deprived decile gives all-zero bars (found building
    South Hams, E07000044): the chart must still have a sensible axis and emit no warning, which would
    otherwise be printed into the executed notebook."""
    import warnings

    from reviewpack.present import charts

    table = pd.DataFrame({"area": [f"Ward {i}" for i in range(n_areas)], "edition": "IoD2025", "pct": 0.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = charts.grouped_bars(table, "area", "edition", "pct", "No ward has any", "share, %", "Source: test")
    ax = fig.axes[0]
    low, high = ax.get_xlim() if n_areas > 6 else ax.get_ylim()
    assert low == 0 and high > 0


def test_export_drops_warnings_printed_by_a_cell() -> None:
    """A stream output (a library warning on stderr) has no metadata; the page must still render,
    without the warning (readers see a report, not a notebook)."""
    import nbformat

    from reviewpack.pipeline.publish import export_html

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: something odd\n"),
        nbformat.v4.new_output("display_data", data={"text/markdown": "Visible finding"}),
    ]
    nb.cells = [cell]
    page = {"pack": "borough", "title": "T", "la_name": "Walsall", "covers": "All of Walsall", "vintages": "v",
            "build_date": "1 January 2026", "packs": [{"name": "borough", "label": "Borough overview"}],
            "attribution": [], "version": "0", "commit": "abc"}
    html = export_html(nb, page)
    assert "Visible finding" in html
    assert "UserWarning" not in html
