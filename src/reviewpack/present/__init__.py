"""Stage 4 -- what a reader sees: the column registry, tables, charts, maps and ``narrative/``
(every sentence, title, alt text and caveat, each stating its basis).
"""
