"""What each notebook cell shows: one function per chart, table or paragraph of a section.

A topic notebook narrates in Markdown and calls these; they take a section object from
:mod:`reviewpack.analysis.sections` (its tables and its basis), the words from
:mod:`reviewpack.present.narrative`, the headers and formats from the column registry, and
display the result.  None of them computes a figure of its own.
"""
