"""Stage 3 -- frames -> tidy tables: population, deprivation, change, summary measures, statistics,
grants, equity and groupings.  Pure pandas: no file reading of its own, no prose, no drawing.
"""
