"""Stage 2 -- raw file -> validated frame: checksums, IoD, population, geography, boundaries, 360Giving.

No statistics, no sentences for the reader, no drawing.  Errors name the file, row and column.
"""
