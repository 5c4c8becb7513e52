"""Loads the tables and Tesseract once, for a process that forks document readers.

The extraction sandbox's fork server imports this module, and a batch of `intake extract`
before it forks its readers: every reader starts with the word list, place and person names
(1.2 s to build) and an initialised Tesseract engine (0.1 s) in memory.
"""

from __future__ import annotations

from parsers.knowledge import warm
from parsers.pages import ocr

warm()
ocr.warm()
