"""French names that carry accents, to catch OCR reading "Loïc" as "Loic" with confidence.

OCR drops or swaps accents with high confidence, and no other check sees it: the e-mail
address is written without accents too. When an OCR'd name is one of these names without its
accents, or carries accents none of these names has ("Maélys", "Kèrouac"), the value goes to
review (a person called "Loic" is then confirmed in a second).
"""

from __future__ import annotations

import unicodedata

from parsers.text import fold

_ACCENTED = """
Adélaïde Adèle Agnès Aimé Amédée Amélie Anaëlle Anaïs André Andréa Angèle Angélique
Anne-Cécile Anne-Hélène Anne-Sophie Annaëlle Aurélie Aurélien Azélie Béatrice Bénédicte Benoît
Bérénice Bérangère Cécile Cédric Céleste Célia Céline Chloé Clémence Clément Clémentine Coralie
Cunégonde Daniéla Déborah Delphine Désiré Désirée Dorothée Edmée Éléonore Éliane Élie Élise
Élisabeth Élodie Éloïse Émeline Émile Émilie Émilien Emmanuèle Éric Estéban Estelle Étienne Eugène
Eugénie Evelyne Fabrice Félix Françoise François Frédéric Frédérique Gaël Gaëlle Gaétan Gaëtan
Geneviève Gérald Gérard Gérôme Grégoire Grégory Hélène Héloïse Hervé Honoré Inès
Irène Jérémie Jérémy Jérôme Joël Joëlle Josée José Judicaël Léa Léandre Léo Léon Léonard Léonie
Léopold Lætitia Loïc Loïs Lucrèce Maël Maëlle Maëlys Maïté Marie-Hélène Marie-Noëlle Mélanie
Mélissa Mélodie Michaël Mickaël Nathanaël Noé Noël Noëlle Noémie Océane Pénélope Perrine Raphaël
Raphaëlle Régine Régis Rémi Rémy René Renée Ségolène Séverine Sébastien Sévérine Stéphane
Stéphanie Théo Théodore Thérèse Timothée Valérie Véronique Zoé Zélie
Bénard Benoît Bézier Brûlé Caré Chéron Chrétien Crépin Delacroix Dupré Fèvre Février Fréchette
Gérard Guérin Hébert Hélie Lefèvre Lemaître Lévêque Lévy Ménard Mérieux Prévost
Rénier Réveillère Séguin Thévenin Vallée Vérité
Béranger Bérard Bréhier Chérel Clémenceau Crépeau Debré Dubé Duchêne Féraud Frémont Gérault
Guéguen Hénaff Hénault Hérault Jégou Labbé Lebœuf Lécuyer Lefébure Lefèbvre Lepère Lhéritier
Mézière Pâris Pélissier Pépin Périer Quéméner Quémener Quéré Régnier Rivière Sénéchal Thébault
Théry Tréguer Valéry Guérard Frédérick Léna Zélia Mégane Anaïs Maïwenn Gaëtane
Solène Hélèna Mathéo Timothé Clélia Ophélie Salomé Séraphine Célestin Médéric
Müller Schäfer Schröder Günther Jürgen Bénédict Valérian Aurèle Anaëlle Marie-Thérèse Gisèle
Thérèse Noël Cédrine Jérémie Émilienne Léonce
"""

# Unaccented form -> the spellings people write it with ("quemener": Quéméner, Quémener).
ACCENTED_NAMES: dict[str, frozenset[str]] = {}
for _name in _ACCENTED.split():
    ACCENTED_NAMES[fold(_name)] = ACCENTED_NAMES.get(fold(_name), frozenset()) | {_name.lower()}


# Common French names holding "rn", which OCR can make of "m" and back: read so, they are these
# names, since their "m" forms are nobody's ("Foumier", "Bemard", "Gamier", "Amaud").
_RN = """
Arnaud Arnoux Arnould Arnold Bernard Bernardin Bernadette Bernier Carnot Cornu Cornet Dornier
Ernest Ernestine Fernand Fernande Fernandes Fernandez Fournier Garnier Hernandez Journet
Marnier Tournier Vernet Vernier Lhernault Bernardi Fourneau Tourneur Journel Cornil Cornille
"""
RN_NAMES = frozenset(name.lower() for name in _RN.split())


def unaccented_name(text: str) -> str | None:
    """The accented name `text` is likely a misreading of, or None if it reads as written."""
    for word in text.replace("-", " ").split():
        spellings = ACCENTED_NAMES.get(fold(word))
        if spellings is not None and word.lower() not in spellings:
            return min(spellings).title()
    return None


def known_rn_name(word: str) -> bool:
    """Whether `word` is a common name written with "rn" ("Fournier"), not a misread "m"."""
    return word.lower() in RN_NAMES


def known_spelling(word: str) -> bool:
    """Whether `word` is an accented name spelt exactly as people write it ("Quéméner")."""
    return word.lower() in ACCENTED_NAMES.get(fold(word), frozenset())


def accents_vouched(text: str) -> bool:
    """Whether every accented word of a name is a known name spelt with those very accents.

    OCR swaps accents ("Maélys" for "Maëlys", "Lefébvre" for "Lefèbvre") and a second pass
    can repeat the swap: accents nobody else spells go to a person. Unaccented names pass.
    """
    for word in text.replace("-", " ").split():
        if not any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", word)):
            continue
        if not known_spelling(word):
            return False
    return True
