"""Every sentence a reader sees: key messages, titles, subtitles, alt text, notes and caveats.

Each function takes tables and the section's basis (edition, population year, period) and
returns text; every name or string that comes from data or parameters is escaped here.
"""
