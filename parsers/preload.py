"""Loads the word list and the place names once, for a process that forks document readers.

The extraction sandbox's fork server imports this module: every reader it forks starts with
both tables in memory instead of parsing them again for each document (0.3 s each).
"""

from __future__ import annotations

from parsers.knowledge import warm

warm()
