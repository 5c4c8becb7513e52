"""Reference knowledge every stage may consult: place names, person names, French words."""

from __future__ import annotations


def warm() -> None:
    """Build every table now (1.2 s of CPU): in a fork server, so that its children need not,
    or while the pages of a document are read elsewhere."""
    from parsers.knowledge import names, places
    from parsers.knowledge.lexicon import accented_by_fold, french_words

    french_words()
    accented_by_fold()
    places.warm()
    names.warm()
