"""reviewpack: reproducible locality review packs for council scrutiny.

The package holds all the logic; the notebooks in ``notebooks/`` only narrate
and call into it.  See ``README.md`` for the two commands (``make pack`` and
``make test``).
"""

__version__ = "0.1.0"
