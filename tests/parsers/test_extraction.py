"""Field extraction on real bulletin files: every field compared with its known value."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from parsers.bulletin import extract_bulletin
from parsers.fields.extract import extract_fields
from parsers.fields.reading import FieldReading
from parsers.form import FormDefinition, load_form
from parsers.limits import Limits
from parsers.pages.layout import CheckBox, Page, Word, group_lines

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "tests" / "samples" / "documents"
CASES = sorted(p for p in DOCUMENTS.iterdir() if p.name.endswith(".expected.json"))
# What only scans, images and forms need: a text PDF is read without loading any of them.
IMAGE_AND_FORM_LIBRARIES = ("numpy", "cv2", "PIL", "pypdf", "pypdfium2", "pytesseract")


@pytest.fixture(scope="module")
def form() -> FormDefinition:
    return load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")


def _expected_value(key: str, value: object) -> object:
    return [] if key == "workshops" and value is None else value


@pytest.mark.parametrize("expected_path", CASES, ids=lambda p: p.name.split(".expected")[0])
def test_every_field_matches_its_known_value(expected_path: Path, form: FormDefinition) -> None:
    document = expected_path.with_name(expected_path.name.removesuffix(".expected.json"))
    expected = json.loads(expected_path.read_text())
    extraction = extract_bulletin(document.read_bytes(), form, Limits())
    assert extraction.is_bulletin
    got = {key: reading.value for key, reading in extraction.fields.items()}
    want = {key: _expected_value(key, value) for key, value in expected["fields"].items()}
    assert got == want
    assert sorted({f.code for f in extraction.flags}) == sorted(expected["flags"])


@pytest.mark.parametrize("name", ["doc000_digital_classic.pdf", "two_per_line.docx"])
def test_every_value_carries_confidence_source_page_and_box(
    name: str, form: FormDefinition
) -> None:
    extraction = extract_bulletin((DOCUMENTS / name).read_bytes(), form, Limits())
    for key, reading in extraction.fields.items():
        assert reading.value not in (None, []), key
        assert 0.8 <= reading.confidence <= 1.0, key
        assert reading.source in ("text", "docx"), key
        assert reading.page == 1, key
        assert reading.bbox is not None and reading.bbox[0] < reading.bbox[2], key


def test_incomplete_flag_names_the_missing_fields(form: FormDefinition) -> None:
    data = (DOCUMENTS / "doc002_acroform_classic.pdf").read_bytes()
    extraction = extract_bulletin(data, form, Limits())
    assert extraction.kind == "pdf_form"
    details = {f.code: f.detail for f in extraction.flags}
    assert details == {"incomplete": "last_name, first_name"}


def test_form_values_come_from_the_form_fields(form: FormDefinition) -> None:
    extraction = extract_bulletin((DOCUMENTS / "doc008_acroform_classic.pdf").read_bytes(), form,
                                  Limits())  # fmt: skip
    assert extraction.fields["organisation"].source == "form"
    assert extraction.fields["steering_committee"].source == "form"


def test_a_letter_is_not_a_bulletin(form: FormDefinition) -> None:
    for name in ("letter_not_a_bulletin.pdf", "letter_not_a_bulletin.docx"):
        extraction = extract_bulletin((DOCUMENTS / name).read_bytes(), form, Limits())
        assert not extraction.is_bulletin, name


def _line(y: float, *items: tuple[str, float], source: str = "text") -> list[Word]:
    """Words of one line at the given x positions, 6 units per character."""
    return [
        Word(text, x, y, x + 6 * len(text), y + 10, 0.95, source)  # type: ignore[arg-type]
        for text, x in items
    ]


def _read(*lines: list[Word]) -> dict[str, object]:
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    page = Page(1, 600, 800, tuple(w for line in lines for w in line))
    return {key: r.value for key, r in extract_fields([page], form).fields.items()}


def test_the_date_after_fait_a_is_read_even_when_the_town_starts_with_la() -> None:
    values = _read(_line(100, ("Fait", 10), ("à", 40), ("La", 52), ("Rochelle", 70), (",", 120),
                          ("le", 130), ("24", 148), ("juillet", 166), ("2017", 214)))  # fmt: skip
    assert values["signed_at"] == "La Rochelle"
    assert values["signed_on"] == "2017-07-24"


@pytest.mark.parametrize(
    "town", ["Le Havre", "Le Mans", "Les Sables-d'Olonne", "Le Mesnil-Saint-Jean"]
)
def test_a_town_starting_with_le_is_not_taken_for_the_date_label(town: str) -> None:
    x, items = 52, []
    for part in town.split():
        items.append((part, x))
        x += 6 * len(part) + 6
    items += [(",", x), ("le", x + 10), ("12", x + 28), ("juillet", x + 46), ("2017", x + 94)]
    values = _read(_line(100, ("Fait", 10), ("à", 40), *items))
    assert values["signed_at"] == town
    assert values["signed_on"] == "2017-07-12"


def test_a_label_whose_words_ocr_glued_is_still_a_label() -> None:
    # Seen on an unseen photo: "Faitàa Neuf-Berquin le 25.08.17".
    values = _read(_line(100, ("Faitàa", 10), ("Neuf-Berquin", 52), ("le", 130), ("25.08.17", 148),
                         source="ocr"))  # fmt: skip
    assert values["signed_at"] == "Neuf-Berquin"
    assert values["signed_on"] == "2017-08-25"


def _signature(*lines: list[Word]) -> dict[str, tuple[object, int | None]]:
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    page = Page(1, 600, 800, tuple(w for line in lines for w in line))
    fields = extract_fields([page], form).fields
    return {key: (fields[key].value, fields[key].page) for key in ("signed_at", "signed_on")}


def test_a_signature_block_of_cues_alone_was_left_blank() -> None:
    # "Lieu Date" (or "Faitle à", glued), then "Signature et cachet": the labels were read,
    # nothing written: both blank on page 1, no label lost.
    blank = {"signed_at": (None, 1), "signed_on": (None, 1)}
    for cues in ([("Lieu", 10), ("Date", 200)], [("Faitle", 10), ("à", 60)]):
        signature = _line(140, ("Signature", 10), ("et", 70), ("cachet", 90), source="ocr")
        assert _signature(_line(100, *cues, source="ocr"), signature) == blank
        assert _signature(_line(100, *cues, source="ocr")) == blank
    # Words under the cues may be their values, written under their labels: not blank.
    values = _line(125, ("Brest", 10), ("3/9/2017", 200), source="ocr")
    found = _signature(_line(100, ("Lieu", 10), ("Date", 200), source="ocr"), values)
    assert found != blank


def test_a_value_without_a_letter_or_digit_is_no_value() -> None:
    # Seen on an unseen fax: the blank city's line read as "=" (0.31), flagged uncertain
    # instead of incomplete.
    values = _read(
        _line(100, ("Code", 10), ("postal", 40), (":", 80), ("34000", 140), source="ocr"),
        _line(130, ("Ville", 10), (":", 50), ("=", 140), source="ocr"),
        _line(160, ("Fax", 10), (":", 50), ("—", 140), source="ocr"),
    )
    assert values["postal_code"] == "34000"
    assert values["city"] is None
    assert values["fax"] is None


def test_ocr_slips_in_labels_and_colons_are_tolerated() -> None:
    values = _read(
        _line(100, ("Adresse", 10), (":_", 60), ("114", 140), ("rue", 164), ("Nationale", 188),
              source="ocr"),
        _line(130, ("Vifle", 10), (":", 50), ("Vannes", 140), source="ocr"),
        _line(160, ("Ville", 10), ("de", 44), ("Tours", 62), source="ocr"),
    )  # fmt: skip
    assert values["address"] == "114 rue Nationale"
    assert values["city"] == "Vannes"


def _captioned(top: float, bottom: float, *texts: str) -> list[Word]:
    words, x = [], 490.0
    for text in texts:
        words.append(Word(text, x, top, x + 28 * len(text), bottom, 0.95, "ocr"))
        x += 28 * len(text) + 25
    return words


@pytest.mark.parametrize("ticked", [(1,), (2,), (3,), (1, 3), (2, 3), ()])
def test_stacked_boxes_each_belong_to_their_own_caption(ticked: tuple[int, ...]) -> None:
    # Measured on a scanned two-column bulletin: boxes 45 px high, lines 94 px apart, and the
    # second caption's line stretched by the apostrophe and descenders of "l'international",
    # so the box above it was as near as its own.
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    words = (
        _captioned(2034, 2082, "1.", "Accessibilité", "des", "transports", "publics")
        + _captioned(2118, 2184, "2.", "Formation", "des", "jeunes", "à", "l'international")
        + _captioned(2220, 2270, "3.", "Coopération", "entre", "collectivités")
    )
    boxes = tuple(
        CheckBox(411, top, 459, top + 45, number in ticked, 1.0, "ocr")
        for number, top in ((1, 2031), (2, 2125), (3, 2219))
    )
    page = Page(1, 2481, 3508, tuple(words), boxes)
    assert extract_fields([page], form).fields["workshops"].value == list(ticked)


def test_choices_read_without_one_of_their_captions_say_which_was_lost() -> None:
    # Seen on an unseen page whose lines ran together: "2. 3. Formation Coopération des
    # entre…" matched neither caption, and the two ticked boxes were read as no choice.
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    words = _captioned(2034, 2082, "1.", "Accessibilité", "des", "transports", "publics") + (
        _captioned(2118, 2184, "2.", "3.", "Formation", "Coopération", "des", "entre")
    )
    boxes = tuple(
        CheckBox(411, top, 459, top + 45, number != 1, 1.0, "ocr")
        for number, top in ((1, 2031), (2, 2125), (3, 2219))
    )
    reading = extract_fields([Page(1, 2481, 3508, tuple(words), boxes)], form).fields["workshops"]
    assert reading.value == []
    assert reading.doubt is not None and "Formation des jeunes" in reading.doubt.reason


def word_bulletin(*lines: str) -> bytes:
    """A .docx whose paragraphs are `lines`."""
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("BULLETIN DE PARTICIPATION")
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Organisme / collectivité : Mairie de Brest", "Fonction / qualité : Maire"],
         {"organisation": "Mairie de Brest", "position": "Maire"}),
        (["Nom (en majuscules) : MARTIN", "Fonction exercée : Adjointe au maire"],
         {"last_name": "Martin", "position": "Adjointe au maire"}),
        (["Nom et prénom : DUPONT Jean"], {"last_name": "Dupont", "first_name": "Jean"}),
        (["Prénom NOM : Anne-Marie LE GALL"], {"last_name": "Le Gall", "first_name": "Anne-Marie"}),
        (["Code postal / Ville : 29200 Brest"], {"postal_code": "29200", "city": "Brest"}),
        (["CP – Commune : 56100 – Lorient"], {"postal_code": "56100", "city": "Lorient"}),
        (["Nom : Mme Dupont", "Prénom : Claire"], {"last_name": "Dupont", "first_name": "Claire"}),
    ],
)  # fmt: skip
def test_compound_combined_and_qualified_captions_are_read_whole(
    lines: list[str], expected: dict[str, str], form: FormDefinition
) -> None:
    fields = extract_bulletin(word_bulletin(*lines), form, Limits()).fields
    assert {key: fields[key].value for key in expected} == expected


def test_two_names_under_one_caption_that_nothing_tells_apart_are_doubted(
    form: FormDefinition,
) -> None:
    fields = extract_bulletin(word_bulletin("Nom et prénom : Martin Pierre"), form, Limits()).fields
    assert (fields["last_name"].value, fields["first_name"].value) == ("Martin", "Pierre")
    assert fields["last_name"].doubt is not None
    assert fields["last_name"].doubt.rule == "fields.split_uncertain"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Atelier(s) souhaité(s) : 1 et 3"], {"workshops": [1, 3]}),
        (["participera aux 6es Rencontres à Kumamoto : Oui ☒ Non ☐",
          "participera à la réunion du comité de pilotage : Oui ☐ Non ☒"],
         {"rencontres": True, "steering_committee": False}),
        # In other words than the form's captions, on lines holding their answers.
        (["Présence au comité de pilotage (Paris) : Oui ☒ Non ☐",
          "Présence aux Rencontres franco-japonaises : Oui ☐ Non ☒"],
         {"rencontres": False, "steering_committee": True}),
        (["À Toulon, le 24/07/2017"], {"signed_at": "Toulon", "signed_on": "2017-07-24"}),
        (["Fait le 24 juillet 2017 à Toulon"], {"signed_at": "Toulon", "signed_on": "2017-07-24"}),
        (["Lieu : La Roche-sur-Yon    Date : 3 septembre 2017"],
         {"signed_at": "La Roche-sur-Yon", "signed_on": "2017-09-03"}),
    ],
)  # fmt: skip
def test_answers_and_signatures_are_read_whatever_their_shape(
    lines: list[str], expected: dict[str, object], form: FormDefinition
) -> None:
    fields = extract_bulletin(word_bulletin("Nom : Martin", *lines), form, Limits()).fields
    assert {key: fields[key].value for key in expected} == expected


def test_a_question_answered_by_boxes_that_no_field_took_is_doubted(form: FormDefinition) -> None:
    # A wording of the event no caption matches: its box must not be read as unticked.
    extraction = extract_bulletin(
        word_bulletin(
            "Nom : Martin",
            "Prénom : Jean",
            "Code postal : 29200",
            "Ville : Brest",
            "Voyage au Japon : ☒ Oui ☐ Non",
        ),
        form,
        Limits(),
    )
    detail = {f.code: f.detail for f in extraction.flags}.get("low_confidence", "")
    assert "fields.unclaimed_caption" in detail


def test_a_caption_no_label_matched_doubts_the_empty_field(form: FormDefinition) -> None:
    extraction = extract_bulletin(
        word_bulletin(
            "Nom : Martin",
            "Prénom : Jean",
            "Code postal : 29200",
            "Ville : Brest",
            "Localisation du siège : 84 quai Nationale",
        ),
        form,
        Limits(),
    )
    detail = {f.code: f.detail for f in extraction.flags}.get("low_confidence", "")
    assert "address (fields." in detail  # found by its shape, or an unclaimed caption


def test_a_label_qualified_before_its_colon_is_a_label_mid_line() -> None:
    values = _read(
        _line(100, ("Téléphone", 10), ("direct", 70), (":", 110), ("03", 120), ("83", 140),
              ("85", 160), ("30", 180), ("30", 200), ("Fax", 300), ("direct", 322), (":", 362),
              ("03", 372), ("83", 392), ("85", 412), ("30", 432), ("31", 452)),
    )  # fmt: skip
    assert values["phone"] == "+33383853030"
    assert values["fax"] == "+33383853031"


def test_choices_in_a_text_form_field_named_by_key_are_read() -> None:
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    named = {"organisation": "Ville de Nancy", "last_name": "Petit", "first_name": "Anne",
             "city": "Nancy", "postal_code": "54000", "workshops": "ateliers 1, 3"}  # fmt: skip
    words = tuple(
        Word(value, 10, 20 * i, 200, 20 * i + 10, 1.0, "form", True, key)
        for i, (key, value) in enumerate(named.items())
    )
    from parsers.fields.template.named import read_named

    readings = read_named([Page(1, 600, 800, words)], form)
    assert readings["workshops"].value == [1, 3]


def _words(y: float, text: str, x: float = 10) -> list[Word]:
    """A line of words 6 units a character, one space apart."""
    items = []
    for word in text.split(" "):
        items.append((word, x))
        x += 6 * len(word) + 6
    return _line(y, *items)


def test_a_caption_word_after_a_preposition_is_no_label_of_its_own() -> None:
    values = _read(
        _words(100, "Organisme : Mairie de Ligré"),
        _words(120, "Fonction exercée dans l'organisme * : Directeur des transports"),
    )
    assert values["organisation"] == "Mairie de Ligré"
    assert values["position"] == "Directeur des transports"


def test_qualifiers_of_a_caption_without_colon_are_not_the_value() -> None:
    values = _read(
        _words(100, "Organisme d'appartenance"),
        _words(120, "Prénom usuel Stefen"),
        _words(140, "Nom du participant (en majuscules) Dawidowicz"),
        _words(160, "Mandat ou fonction Chef de projet"),
        _words(180, "Code postal 86420"),
        _words(200, "Commune Verrue"),
    )
    assert values["organisation"] is None  # unanswered: the line under it holds a label
    assert values["first_name"] == "Stefen"
    assert values["last_name"] == "Dawidowicz"
    assert values["position"] == "Chef de projet"


def test_two_fields_on_one_line_without_colons_are_both_read() -> None:
    values = _read(
        _words(100, "Établissement (nom complet) Commune d'Augy"),
        _words(120, "Nom de famille Marrot Prénom usuel Kiyan"),
        _words(140, "C.P 89290 Commune Augy"),
    )
    assert values["organisation"] == "Commune d'Augy"
    assert (values["last_name"], values["first_name"]) == ("Marrot", "Kiyan")
    assert (values["postal_code"], values["city"]) == ("89290", "Augy")


def test_a_value_wrapped_to_the_margin_goes_on_on_the_next_line() -> None:
    values = _read(
        _words(100, "Nom du signataire Bovyn"),
        _words(115, "Fonction Conseillère municipale déléguée chargée des"),
        _words(127, "transports"),
        _words(145, "Adresse 76 rue de Strasbourg"),
    )
    assert values["last_name"] == "Bovyn"
    assert values["position"] == "Conseillère municipale déléguée chargée des transports"


def test_a_date_asked_at_the_line_end_is_read_from_its_comb_below() -> None:
    values = _read(_words(100, "Fait à Brest , le"), _words(120, "2 6 0 7 2 0 1 7"))
    assert values["signed_on"] == "2017-07-26"


def test_a_long_caption_cell_never_runs_under_its_value() -> None:
    from parsers.pages.wordfile import lay_out_rows

    page = lay_out_rows([["Nom du représentant (en capitales) :", "Chu"]], "docx")
    caption_end = max(w.x1 for w in page.words if w.text != "Chu")
    value = next(w for w in page.words if w.text == "Chu")
    assert value.x0 > caption_end


def test_a_caption_wrapped_in_its_cell_keeps_its_last_word() -> None:
    values = _read(
        _words(100, "Structure (nom complet) Commune de Domazan"),
        _line(115, ("Qualité", 10), ("ou", 58), ("fonction", 76), ("au", 130), ("sein", 148),
              ("de", 178), ("la", 196), ("Attachée", 250), ("territoriale", 304),
              ("Europe", 382), ("et", 424), ("solidarité", 442)),
        _line(127, ("collectivité", 10), ("*", 88), ("internationale", 250)),
        _words(145, "Adresse 56 allée de l'Église"),
    )  # fmt: skip
    assert values["organisation"] == "Commune de Domazan"
    assert values["position"] == "Attachée territoriale Europe et solidarité internationale"


def test_a_caption_wrapped_to_a_line_with_its_own_colon_lets_the_value_go_on_beside_it() -> None:
    values = _read(
        _line(100, ("Collectivité", 10), (":", 82), ("SIVOM", 250), ("de", 290),
              ("Chuzelles", 308)),
        _line(115, ("Qualité", 10), ("ou", 58), ("fonction", 76), ("au", 130), ("sein", 148),
              ("de", 178), ("la", 196), ("Responsable", 250), ("du", 322), ("service", 340),
              ("des", 388), ("relations", 412)),
        _line(127, ("collectivité", 10), (":", 88), ("internationales", 250)),
        _line(145, ("Commune", 10), (":", 58), ("Chuzelles", 250)),
    )  # fmt: skip
    assert values["organisation"] == "SIVOM de Chuzelles"
    assert values["position"] == "Responsable du service des relations internationales"


def test_the_last_word_of_a_wrapped_caption_is_not_its_value_s_end() -> None:
    values = _read(
        _line(100, ("Dénomination", 10), ("de", 88), ("la", 106), ("collectivité", 124),
              ("ou", 202), ("de", 220), ("la", 238), ("Communauté", 300), ("urbaine", 370),
              ("de", 418), ("Sainte-Catherine", 436)),
        _line(112, ("structure", 10)),
        _line(127, ("Prénom", 10), ("du", 52), ("participant", 70), ("Lucie", 300)),
    )  # fmt: skip
    assert values["organisation"] == "Communauté urbaine de Sainte-Catherine"
    assert values["first_name"] == "Lucie"


def test_a_word_broken_at_its_hyphen_goes_on_at_the_margin_even_with_a_capital() -> None:
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    lines = [
        _words(100, "Administration (nom complet) … Communauté de communes de la région de Saint-"),
        _words(112, "Alban-d'Ay"),
        _words(130, "Nom … Delvallez"),
    ]
    page = Page(1, 600, 800, tuple(w for line in lines for w in line))
    read = extract_fields([page], form).fields
    assert read["organisation"].value == "Communauté de communes de la région de Saint-Alban-d'Ay"
    assert read["organisation"].doubt is None
    cut = Page(1, 600, 800, tuple(lines[0]) + tuple(_words(130, "Nom … Delvallez")))
    alone = extract_fields([cut], form).fields["organisation"]
    assert alone.value == "Communauté de communes de la région de Saint"
    assert alone.doubt is not None and alone.doubt.rule == "fields.cut_at_hyphen"


def test_two_wordings_of_one_label_joined_by_a_slash_are_one_caption() -> None:
    values = _read(
        _words(100, "Organisme : Commune de Maisoncelles"),
        _words(120, "Code post : 72440 Ville / commune : Maisoncelles"),
    )
    assert (values["postal_code"], values["city"]) == ("72440", "Maisoncelles")


def test_a_label_with_its_plural_in_brackets_is_the_label() -> None:
    values = _read(
        _words(100, "Organisme : Commune de Mouilleron"),
        _words(120, "Nom du participant Granvaud Prénom(s) Réginald"),
        _words(140, "Mandat Maire"),
    )
    assert (values["last_name"], values["first_name"]) == ("Granvaud", "Réginald")


def test_a_value_s_first_word_is_never_taken_for_a_label_s_last() -> None:
    values = _read(
        _words(100, "Collectivité (nom complet) Syndicat intercommunal de Cozes"),
        _words(120, "Nom d'usage Hunold"),
        _words(140, "Prénom du participant Don"),
    )
    assert (values["last_name"], values["first_name"]) == ("Hunold", "Don")


def test_a_postal_code_and_city_in_one_form_field_are_split() -> None:
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    field = Word("27800 Saint-Paul-de-Fourques", 68, 120, 196, 132, 1.0, "form", True)
    page = Page(1, 600, 800, (*_words(100, "Organisme : Mairie de Fourques"),
                              *_words(110, "CP et ville :"), field))  # fmt: skip
    read = extract_fields([page], form).fields
    assert (read["postal_code"].value, read["city"].value) == ("27800", "Saint-Paul-de-Fourques")
    assert read["city"].doubt is None


def test_the_event_s_answers_on_a_page_of_their_own_are_the_bulletin_s() -> None:
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    first = [
        *_words(100, "Organisme : Mairie de Dourbies"),
        *_words(120, "Nom : Petit"),
        *_words(140, "Prénom : Anne"),
        *_words(160, "Code postal : 30750"),
        *_words(180, "Ville : Dourbies"),
        *_words(200, "Courriel : anne.petit@dourbies.fr"),
        *_words(220, "Fonction : Maire"),
        *_words(240, "Adresse : 1 place de la Mairie"),
        *_words(260, "Téléphone : 04 67 82 70 01"),
        *_words(280, "Fax : 04 67 82 70 02"),
        *_words(320, "☒ participera à la réunion du comité de pilotage"),
        *_words(340, "☒ participera aux Rencontres à Kumamoto"),
        *_words(360, "Adresse : 1 place de la Mairie"),
    ]
    second = [*_words(100, "Atelier(s) souhaité(s) (n°) : atelier 3"),
              *_words(120, "Fait à Dourbies, le 17/8/2017")]  # fmt: skip
    pages = [Page(1, 600, 800, tuple(first)), Page(2, 600, 800, tuple(second))]
    fields = extract_fields(pages, form).fields
    assert fields["workshops"].value == [3]
    assert fields["signed_on"].value == "2017-08-17"
    # A fax cover sheet's count is its pages', not the delegation's.
    cover = [*_words(100, "Télécopie"), *_words(120, "Nombre de pages : 3")]
    with_cover = [Page(1, 600, 800, tuple(cover)), *pages]
    assert extract_fields(with_cover, form).fields["delegation_size"].value is None


def test_a_caption_of_two_fields_keeps_both_past_its_bracketed_qualifier() -> None:
    values = _read(_words(100, "Localité (CP + ville) 86500 Plaisance"))
    assert (values["postal_code"], values["city"]) == ("86500", "Plaisance")


def test_a_signature_line_with_a_weekday_needs_no_cue() -> None:
    values = _read(_words(100, "Caunes-Minervois, le lundi 10 juillet 2017"))
    assert values["signed_at"] == "Caunes-Minervois"
    assert values["signed_on"] == "2017-07-10"


def test_two_wordings_heading_their_box_are_a_strong_caption_above_its_value() -> None:
    # Seen on an unseen letterhead: "Tél. / portable" headed its box, "Télécopie" the next
    # one; the caption was weak, so the letterhead's "Tél. 03 …" gave the respondent's phone.
    values = _read(
        _words(20, "Mairie de Doudeauville"),
        _words(40, "Tél. +33 3 83 07 70 59 – www.doudeauville.fr"),
        _words(100, "Structure (nom complet)"),
        _words(115, "Mairie de Doudeauville"),
        _words(140, "Nom de naissance"),
        _words(155, "Robreau"),
        _words(180, "Tél. / portable") + _words(180, "Télécopie", x=300),
        _words(195, "+33 6 70 26 67 52"),
        _words(220, "E-mail"),
        _words(235, "mairie@doudeauville.fr"),
    )
    assert values["phone"] == "+33670266752"
    assert values["fax"] is None


def test_a_signature_s_place_and_date_in_form_fields_are_read_in_either_order() -> None:
    # Seen on an unseen fillable PDF: "Date : [23 septembre 2017] Lieu : [Curley]", both
    # values in generically named form fields, were left unread.
    def field(text: str, x: float, y: float) -> Word:
        return Word(text, x, y, x + 6 * len(text), y + 10, 1.0, "form", True, "Texte10")

    values = _read(
        [*_words(100, "Organisme :"), field("Commune de Curley", 100, 100)],
        [*_words(120, "Nom :"), field("Soissons", 100, 120)],
        [*_words(140, "Date :"), field("23 septembre 2017", 60, 140),
         *_words(140, "Lieu :", x=220), field("Curley", 270, 140)],
    )  # fmt: skip
    assert (values["signed_at"], values["signed_on"]) == ("Curley", "2017-09-23")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # A short label after a whole value of the heading field's shape.
        (["Organisme Mairie de Supt", "Téléphone 02.24.85.67.95 Fax 02 33 83 44 15"],
         {"phone": "+33224856795", "fax": "+33233834415"}),
        # A short label before its own qualifiers and a value; a heading caption's
        # bracketed qualifier is no label.
        (["Structure (nom complet) Mairie de Supt",
          "Prénom usuel Lauren Nom de naissance Le Toquin"],
         {"organisation": "Mairie de Supt", "first_name": "Lauren", "last_name": "Le Toquin"}),
        # Qualifiers up to the colon, a slash among them.
        (["Organisme : Région Bretagne",
          "Prénom : Mandy Nom du / de la participant(e) (en capitales) : LIBAULT"],
         {"first_name": "Mandy", "last_name": "Libault"}),
    ],
)  # fmt: skip
def test_a_second_label_mid_line_is_found_by_the_shape_around_it(
    lines: list[str], expected: dict[str, object]
) -> None:
    values = _read(*(_words(100 + 20 * i, line) for i, line in enumerate(lines)))
    assert {key: values[key] for key in expected} == expected


def test_a_caption_heading_its_box_may_end_on_a_qualifier() -> None:
    values = _read(
        _words(100, "Organisme"),
        _words(115, "Mairie de Guitté"),
        _words(140, "N° de téléphone") + _words(140, "Fax direct", x=300),
        _words(155, "02.47.15.51.32"),
    )
    assert (values["phone"], values["fax"]) == ("+33247155132", None)


def test_a_number_wrapped_to_the_margin_goes_on_when_its_shape_says_so() -> None:
    values = _read(
        _words(100, "Organisme : Région Centre"),
        _words(120, "Téléphone : 0033 2 15 17 58 18 Télécopieur : 02 49 37 06"),
        _words(132, "83"),
        _words(150, "E-mail : contact@region-centre.fr"),
    )
    assert (values["phone"], values["fax"]) == ("+33215175818", "+33249370683")


def test_a_label_whose_words_ocr_glued_into_one_is_still_a_label() -> None:
    values = _read(
        _line(100, ("Institution", 10), ("Mairie", 100), ("de", 140), ("Plouguiel", 160),
              source="ocr"),
        _line(130, ("N°etrue", 10), ("57", 100), ("chemin", 120), ("Paul", 170), ("Bert", 200),
              source="ocr"),
    )  # fmt: skip
    assert values["address"] == "57 chemin Paul Bert"


@pytest.mark.parametrize(
    "caption",
    ["Titre au sein de la collectivité", "Autorité locale représentée (en toutes lettres)"],
)
def test_a_caption_line_s_many_qualifiers_are_never_its_value(caption: str) -> None:
    values = _read(
        _words(100, caption),
        _words(115, "Vice-présidente", x=20),
        _words(140, "Nom d'usage"),
        _words(155, "Azarzar", x=20),
    )
    assert "au sein" not in str(values["position"]) and "lettres" not in str(values["organisation"])


@pytest.mark.parametrize("name", ["doc000_digital_classic.pdf", "doc006_digital_twocol.pdf"])
def test_a_text_pdf_is_read_without_image_ocr_or_form_libraries(name: str) -> None:
    code = ("import sys\nfrom pathlib import Path\n"
            "from parsers.bulletin import extract_bulletin\n"
            "from parsers.form import load_form\nfrom parsers.limits import Limits\n"
            "form = load_form(Path(sys.argv[2]))\n"
            "assert extract_bulletin(Path(sys.argv[1]).read_bytes(), form, Limits()).is_bulletin\n"
            "print('\\n'.join(sys.modules))\n")  # fmt: skip
    form = ROOT / "config" / "forms" / "kumamoto-2018.toml"
    done = subprocess.run([sys.executable, "-c", code, str(DOCUMENTS / name), str(form)],
                          capture_output=True, text=True, check=True, timeout=120)  # fmt: skip
    modules = done.stdout.split()
    loaded = {m.split(".")[0] for m in modules} & set(IMAGE_AND_FORM_LIBRARIES)
    assert loaded == set()


def test_a_bracket_read_apart_from_its_words_stays_in_the_caption() -> None:
    # A scan read "Entité (nom complet) :" with its closing bracket apart.
    values = _read(
        _words(100, "Entité (nom complet ) :"),
        _words(130, "Commune d'Ergersheim"),
        _words(160, "Nom du représentant :"),
        _words(190, "Rochel"),
    )
    assert values["organisation"] == "Commune d'Ergersheim"
    assert values["last_name"] == "Rochel"


def test_an_article_whose_l_ocr_read_as_a_bracket_stays_in_the_caption() -> None:
    values = _read(
        _words(100, "Nom GASCARD"),
        _words(130, "Titre au sein de [a collectivité Vice-présidente chargée des transports"),
    )
    assert values["position"] == "Vice-présidente chargée des transports"


def test_a_signature_place_running_on_into_its_date_is_cut_at_the_communes_name() -> None:
    # A scan read "le" as "(e": no label ended the place before the date.
    values = _read(_words(100, "Fait à Anglars-Saint-Félix , (e 31/08/2017"))
    assert values["signed_at"] == "Anglars-Saint-Félix"
    assert values["signed_on"] == "2017-08-31"


def test_an_annotations_cross_over_a_box_glued_to_its_caption_ticks_it() -> None:
    # "Remplir et signer" laid an "X" over "[ ]", which the PDF's text glues to the caption.
    def choice(y: float, glued: str, rest: str) -> list[Word]:
        cross = Word("X", 79, y, 104, y + 10, 1.0, "text", whole_value=True)
        return [cross, *_line(y, ("[", 79), (glued, 98)), *_words(y, rest, 98 + 6 * len(glued) + 6)]

    values = _read(
        _words(100, "Atelier(s) souhaité(s) :"),
        choice(120, "]1", "Accessibilité des transports publics"),
        choice(140, "]Coopération", "entre collectivités"),
    )
    assert values["workshops"] == [1, 3]


def test_a_label_followed_by_a_value_of_its_own_shape_is_no_value_of_the_caption_above() -> None:
    # An unanswered "Fonction exercée … *" above "Adresse postale 158 allée …".
    values = _read(
        _words(100, "Fonction exercée dans l'organisme *"),
        _words(120, "Adresse postale 158 allée de la République"),
        _words(140, "Code postal et commune 36220 Mérigny"),
    )
    assert values["position"] is None
    assert values["address"] == "158 allée de la République"


def test_a_value_glued_to_the_next_caption_is_read_apart() -> None:
    # LibreOffice wrote "Code postal : 35120Localité : Cherrueix" with no space.
    values = _read(_words(100, "Code postal : 35120Localité : Cherrueix"))
    assert (values["postal_code"], values["city"]) == ("35120", "Cherrueix")


def test_a_check_boxs_caption_is_no_label_of_a_field(form: FormDefinition) -> None:
    # "Coopération entre collectivités" heads no box of the organisation's: its caption
    # ended like "Collectivité" and, ended by its line, beat the real caption, which has none.
    sample = ROOT / "tests" / "samples" / "variety" / "box_caption_ending_like_a_label_digital.pdf"
    extraction = extract_bulletin(sample.read_bytes(), form, Limits())
    assert extraction.fields["organisation"].value == "Conseil départemental de l'Ardèche"
    assert extraction.fields["workshops"].value == []


def test_ocr_marks_of_a_caption_stay_in_the_caption() -> None:
    # A photo read the leader after "collectivité *" as "*" and "."; a fax read "(en toutes
    # lettres)" with a brace.
    fax = "ocr"
    values = _read(
        _line(100, ("Fonction", 10), ("/", 64), ("qualité", 76), ("au", 124), ("sein", 142),
              ("de", 172), ("la", 190), ("collectivité", 208), ("*", 290), (".", 300),
              ("Président", 340), source=fax),
        _line(130, ("Organisme", 10), ("d'appartenance", 70), ("{en", 160), ("toutes", 184),
              ("lettres)", 226), ("Mairie", 300), ("d'Orches", 340), source=fax),
    )  # fmt: skip
    assert values["position"] == "Président"
    assert values["organisation"] == "Mairie d'Orches"


def test_the_le_before_a_signature_date_misread_by_ocr_still_ends_the_place() -> None:
    for le in ("1e", "(e", "Ie"):
        values = _read(_line(100, ("Fait", 10), ("à", 40), ("Laneuveville-derrière-Fous", 52),
                             (",", 210), (le, 220), ("15/7/2017", 240), source="ocr"))  # fmt: skip
        assert values["signed_at"] == "Laneuveville-derrière-Fous", le
        assert values["signed_on"] == "2017-07-15", le


def test_a_box_seen_on_the_second_page_beats_its_caption_in_the_first_pages_title() -> None:
    first = [
        *_words(60, "Rencontres franco-japonaises Kumamoto 2018"),
        *_words(100, "Nom : Colin"),
        *_words(120, "Prénom : Jérôme"),
        *_words(140, "Organisme : Ville de Brest"),
        *_words(160, "Ville : Brest"),
        *_words(180, "Code postal : 29200"),
        *_words(200, "Adresse : 1 rue de Siam"),
        *_words(220, "Fonction : Maire"),
        *_words(240, "Téléphone : 02 98 00 00 00"),
        *_words(260, "Courriel : jerome.colin@ville-brest.fr"),
    ]
    second = [
        *_words(100, "participera à la réunion du comité de pilotage", x=30),
        *_words(130, "participera aux Rencontres à Kumamoto du 8 au 11 octobre 2018", x=30),
        *_words(160, "Nombre de délégués : 2"),
        *_words(190, "Atelier(s) souhaité(s) :"),
        *_words(210, "Accessibilité des transports publics", x=30),
        *_words(230, "Formation des jeunes à l'international", x=30),
        *_words(260, "Fait à Brest, le 12/07/2017"),
    ]
    boxes = (CheckBox(12, 100, 22, 110, True), CheckBox(12, 130, 22, 140, True),
             CheckBox(12, 210, 22, 220, False), CheckBox(12, 230, 22, 240, True))  # fmt: skip
    pages = [Page(1, 600, 800, tuple(first)), Page(2, 600, 800, tuple(second), boxes)]
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    fields = extract_fields(pages, form).fields
    assert fields["rencontres"].value is True and fields["rencontres"].page == 2


def test_a_mark_beside_a_label_above_its_box_is_no_value_under_it() -> None:
    # "Prénom(s)" and its required mark on the same row, the mark a small glyph high on it
    # (a line of its own), the name under them.
    mark = [Word("*", 70, 170, 76, 174, 0.9, "ocr")]
    rows = [_line(100, ("Nom", 10), source="ocr"), _line(130, ("Ulmer", 12), source="ocr"),
            _line(170, ("Prénom(s)", 10), source="ocr"), mark,
            _line(200, ("Kylan", 12), source="ocr")]  # fmt: skip
    values = _read(*rows)
    assert (values["last_name"], values["first_name"]) == ("Ulmer", "Kylan")


def test_fields_named_in_parentheses_after_a_captions_head_are_its_labels() -> None:
    row = _line(100, ("Participant", 10), ("(Prénom", 82), ("NOM)", 130), ("Tessnime", 170),
                ("BRESCIANI", 230), source="ocr")  # fmt: skip
    values = _read(row)
    assert (values["first_name"], values["last_name"]) == ("Tessnime", "Bresciani")
    # Parentheses after a value are the value's ("Chargé de mission (Europe)").
    position = _line(140, ("Fonction", 10), (":", 60), ("Chargée", 70), ("(Europe)", 120))
    assert _read(row, position)["position"] == "Chargée (Europe)"


def test_a_value_starting_with_a_labels_words_is_no_caption_wrapped_onto_the_next_line() -> None:
    # "Commune du Controis-en-Sologne" (an organisation, under its label) starts with the
    # words of a city's label ending on "du": the line under it is the next caption, not the
    # end of a caption wrapped in its cell ("Qualité ou fonction au sein de la" / "collectivité").
    from parsers.fields.labels import Label, caption_tail_lines, tokenize

    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    value = _line(130, ("Commune", 12), ("du", 60), ("Controis-en-Sologne", 78), source="ocr")
    caption = _line(155, ("Nom", 10), ("du", 34), ("participant", 52), (":", 124), source="ocr")
    rows = [value, caption]
    lines = group_lines(Page(1, 600, 800, tuple(w for row in rows for w in row)))
    tokens = [tokenize(line) for line in lines]
    city = Label(form.field("city"), 0, 0, 2, 1.0, False)
    assert caption_tail_lines(lines, tokens, [city]) == set()
    # A caption that does end its line on "du" goes on under it.
    wrapped = [tokens[0][:2], tokens[1]]
    assert caption_tail_lines(lines, wrapped, [city]) == {1}


def test_a_required_mark_read_as_an_exclamation_mark_ends_its_caption() -> None:
    # A fax's "*" read "!": "Adresse administrative !" is the caption, its value under it.
    rows = [_line(100, ("Adresse", 10), ("administrative", 58), ("!", 150), source="ocr"),
            _line(125, ("26", 12), ("esplanade", 30), ("du", 90), ("11", 108),
                  ("Novembre", 126), source="ocr")]  # fmt: skip
    assert _read(*rows)["address"] == "26 esplanade du 11 Novembre"


def test_a_cover_sheets_date_before_the_bulletin_is_no_signature_date() -> None:
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    cover = [_line(100, ("Télécopie", 10)), _line(130, ("De", 10), (":", 30), ("Mairie", 40)),
             _line(160, ("Date", 10), (":", 40), ("02/09/2017", 50))]  # fmt: skip
    answers = [("Nom", "Colin"), ("Prénom", "Jérôme"), ("Ville", "Brest"),
               ("Code postal", "29200"), ("Téléphone", "02 98 00 00 00")]  # fmt: skip
    form_rows = [_line(100 + 30 * i, (label, 10), (":", 100), (value, 120))
                 for i, (label, value) in enumerate(answers)]  # fmt: skip
    signature = [_line(300, ("Date", 10), (":", 40), ("03/09/2017", 50))]
    pages = [Page(1, 600, 800, tuple(w for row in cover for w in row)),
             Page(2, 600, 800, tuple(w for row in form_rows for w in row))]  # fmt: skip
    assert extract_fields(pages, form).fields["signed_on"].value is None
    # A signature on a page of its own after the form is the bulletin's.
    pages.append(Page(3, 600, 800, tuple(w for row in signature for w in row)))
    assert extract_fields(pages, form).fields["signed_on"].value == "2017-09-03"


def _letterhead_and_form(phone_at: float, label: str = "Tél.") -> dict[str, FieldReading]:
    """A letterhead with its "Tél." over a form laid out "label value", one label a line."""
    head = [_line(20, ("Région", 10), ("Bretagne", 60), source="ocr"),
            _line(40, ("Tél.", 10), ("+33", 40), ("2", 62), ("10", 72), ("07", 88), ("02", 104),
                       ("26", 120), source="ocr")]  # fmt: skip
    rows = [
        ("Organisme", "Région Bretagne"),
        ("Nom", "Humblet"),
        ("Prénom", "Fella"),
        ("Fonction", "Maire"),
        ("Adresse", "15 cours Clemenceau"),
        ("Ville", "Rennes"),
    ]
    body = [_line(200 + 20 * i, (label, 10), (value, 120), source="ocr")
            for i, (label, value) in enumerate(rows)]  # fmt: skip
    body.append(_line(phone_at, (label, 10), ("/", 40), ("portable", 52), ("02", 106),
                      ("67", 122), ("67", 138), ("63", 154), ("34", 170), ("Fax", 260),
                      ("0275868629", 290), source="ocr"))  # fmt: skip
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    page = Page(1, 600, 800, tuple(w for line in [*head, *body] for w in line))
    return extract_fields([page], form).fields


def test_a_letterheads_label_stands_apart_from_the_forms_and_loses_to_its_own() -> None:
    # Seen on a fresh seed's photo: the letterhead's "Tél. +33 2 10 07 02 26" was accepted as
    # the respondent's phone, the form's "Tél. / portable 02 67 67 63 34" under it lost.
    phone = _letterhead_and_form(320)["phone"]
    assert phone.value == "+33267676334" and phone.doubt is None
    # Seen on a fresh seed's fine fax: the form's label misread ("TI."), the letterhead's
    # value stood alone; it is doubted.
    phone = _letterhead_and_form(320, label="TI.")["phone"]
    assert phone.value == "+33210070226"
    assert phone.doubt is not None and phone.doubt.rule == "fields.label_apart"


@pytest.mark.parametrize("caption", [["d'appartenance", "*Mairie"], ["d'appartenance*", "Mairie"]])
def test_a_required_mark_glued_to_a_word_ends_the_caption(caption: list[str]) -> None:
    # Seen on a fresh seed's fine fax: "Organisme d'appartenance *Mairie de Loubens" read
    # the organisation "d'appartenance *Mairie de Loubens".
    values = _read(
        _line(100, ("Organisme", 10), (caption[0], 70), (caption[1], 166), ("de", 214),
              ("Loubens", 230), source="ocr"),
        _line(130, ("Nom", 10), ("Dupont", 60), source="ocr"),
        _line(160, ("Prénom", 10), ("Jean", 60), source="ocr"),
    )  # fmt: skip
    assert values["organisation"] == "Mairie de Loubens"


def test_a_cover_sheet_typed_before_a_word_bulletin_is_a_page_of_its_own() -> None:
    # Seen on a fresh seed's Word returns: a fax cover sheet's "Tél." and "Fax" typed before
    # the bulletin, after a page break, accepted as the respondent's.
    import io

    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for line in ("TÉLÉCOPIE", "De : Mairie de Thaims", "Tél. : 05 46 37 56 98",
                 "Fax : 05 09 83 35 92", "Nombre de pages : 2"):  # fmt: skip
        document.add_paragraph(line)
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    for line in ("BULLETIN DE PARTICIPATION", "Organisme : Commune de Thaims", "Nom : Colin",
                 "Prénom : Jean", "Fonction : Maire", "Adresse : 1 rue de Brest",
                 "Code postal : 17120", "Ville : Thaims", "Téléphone : 05 97 74 27 81",
                 "Fax : 05 69 27 13 93", "Courriel : jean.colin@thaims.fr"):  # fmt: skip
        document.add_paragraph(line)
    data = io.BytesIO()
    document.save(data)
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    extraction = extract_bulletin(data.getvalue(), form, Limits())
    assert extraction.page_count == 2
    assert extraction.fields["phone"].value == "+33597742781"
    assert extraction.fields["fax"].value == "+33569271393"


def test_a_value_ending_with_a_preposition_goes_on_at_the_margin_below() -> None:
    # Seen on a fresh seed's LibreOffice PDF: "Communauté de communes du Pays de" /
    # "Breuil-Bois-Robert" read without its second line.
    values = _read(
        _line(100, ("Organisme", 10), (":", 70), ("Communauté", 90), ("de", 156), ("communes", 174),
              ("du", 228), ("Pays", 246), ("de", 276)),
        _line(114, ("Breuil-Bois-Robert", 10)),
        _line(140, ("Nom", 10), (":", 40), ("Colin", 90)),
        _line(160, ("Prénom", 10), (":", 52), ("Jean", 90)),
    )  # fmt: skip
    assert values["organisation"] == "Communauté de communes du Pays de Breuil-Bois-Robert"


def test_a_stamp_set_askew_over_a_text_pdfs_value_is_no_part_of_it() -> None:
    # Seen on a fresh seed's text PDF: "Région Pays de la RÉGION Loire PAYS Le Président DE LA
    # LOIRE" accepted, the stamp's words run into the organisation's.
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    data = io.BytesIO()
    c = canvas.Canvas(data, pagesize=A4)
    rows = [("Nom de l'organisme :", "Région Pays de la Loire"), ("Nom :", "Gil"),
            ("Prénom :", "Kiyan"), ("Fonction :", "Chef de projet"),
            ("Adresse :", "132 rue du Stade"), ("Code postal :", "44440"),
            ("Ville :", "Trans-sur-Erdre"), ("Téléphone :", "02 92 50 35 45")]  # fmt: skip
    for i, (label, value) in enumerate(rows):
        c.drawString(60, 780 - 30 * i, label)
        c.drawString(290, 780 - 30 * i, value)
    c.saveState()
    c.translate(390, 778)
    c.rotate(1.2)
    c.setFont("Helvetica-Bold", 8)
    c.drawString(0, 0, "RÉGION PAYS DE LA LOIRE")
    c.setFont("Helvetica", 7)
    c.drawString(38, -12, "Le Président")
    c.restoreState()
    c.save()
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    extraction = extract_bulletin(data.getvalue(), form, Limits())
    assert extraction.fields["organisation"].value == "Région Pays de la Loire"
    assert extraction.fields["last_name"].value == "Gil"


def test_a_caption_that_ends_with_a_fields_label_is_that_label() -> None:
    # Seen on a fresh seed's Word return: "Choix des ateliers (n°) : ateliers 1 + 3" read no
    # workshop, accepted.
    values = _read(
        _line(100, ("Nom", 10), (":", 40), ("Colin", 90)),
        _line(120, ("Prénom", 10), (":", 52), ("Jean", 90)),
        _line(140, ("Choix", 10), ("des", 46), ("ateliers", 70), ("(n°)", 124), (":", 154),
              ("ateliers", 170), ("1", 224), ("+", 236), ("3", 248)),
        # Two fields' labels in one caption: neither is taken from its tail.
        _line(160, ("Adresse", 10), ("électronique", 58), ("de", 134), ("la", 152),
              ("collectivité", 170), (":", 244), ("jean.colin@brest.fr", 260)),
    )  # fmt: skip
    assert values["workshops"] == [1, 3]
    assert values["organisation"] is None
    assert values["email"] == "jean.colin@brest.fr"


def test_a_signature_whose_place_was_left_blank_still_gives_its_date() -> None:
    # Seen on a fresh seed's OpenDocument returns: ", le 21/06/2017" read no date.
    values = _read(_line(100, (",", 10), ("le", 20), ("21/06/2017", 38)))
    assert values["signed_on"] == "2017-06-21"
    assert values["signed_at"] is None
    # A date alone on a line, with no comma before its "le", is no signature's.
    values = _read(_line(100, ("le", 20), ("10", 38), ("octobre", 56), ("2017", 104)))
    assert values["signed_on"] is None


def test_a_line_starting_with_an_elided_article_goes_on_with_the_value_above() -> None:
    # Seen on a fresh seed's LibreOffice PDF: "… (en toutes lettres) : Communauté" /
    # "d'agglomération de Clermont-l'Hérault" read "Communauté", accepted.
    values = _read(
        _line(100, ("Organisme", 10), ("(en", 70), ("toutes", 94), ("lettres)", 136), (":", 190),
              ("Communauté", 200)),
        _line(114, ("d'agglomération", 10), ("de", 106), ("Clermont-l'Hérault", 124)),
        _line(140, ("Nom", 10), (":", 40), ("Colin", 90), ("Adresse", 300), (":", 350),
              ("1", 360), ("rue", 370), ("de", 392), ("Brest", 410), ("Ouest", 444)),
        _line(160, ("Prénom", 10), (":", 52), ("Jean", 90)),
    )  # fmt: skip
    assert values["organisation"] == "Communauté d'agglomération de Clermont-l'Hérault"


def test_choices_whose_boxes_stand_on_two_pages_are_read_from_both() -> None:
    # Seen on a fresh seed's three-page LibreOffice PDF: the first workshop at the foot of the
    # form's page, the other two at the top of the next; the ticked second was lost.
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    labels = [_line(100 + 30 * i, (label, 10), (":", 90), (value, 110)) for i, (label, value) in
              enumerate([("Nom", "Colin"), ("Prénom", "Jean"), ("Fonction", "Maire"),
                         ("Adresse", "1 rue X"), ("Ville", "Brest")])]  # fmt: skip
    first = _captioned(2034, 2082, "1.", "Accessibilité", "des", "transports", "publics")
    page_1 = Page(1, 2481, 3508, tuple(w for line in labels for w in line) + tuple(first),
                  (CheckBox(411, 2031, 459, 2076, False, 1.0, "ocr"),))  # fmt: skip
    rest = (_captioned(118, 184, "2.", "Formation", "des", "jeunes", "à", "l'international")
            + _captioned(220, 270, "3.", "Coopération", "entre", "collectivités"))  # fmt: skip
    page_2 = Page(
        2,
        2481,
        3508,
        tuple(rest),
        (
            CheckBox(411, 125, 459, 170, True, 1.0, "ocr"),
            CheckBox(411, 219, 459, 264, False, 1.0, "ocr"),
        ),
    )
    workshops = extract_fields([page_1, page_2], form).fields["workshops"]
    assert workshops.value == [2]
    assert workshops.doubt is None


def test_a_caption_whose_bracket_never_closes_does_not_eat_the_value() -> None:
    # Seen on a fresh seed's fine fax: "(en toutes lettres) : Communauté urbaine de
    # Pointe-à-Pitre" read "(en toutes lettres{>ommunauté urbaine de Pointe-à-Pitre", and the
    # organisation accepted as "Pointe-à-Pitre".
    words = [("Collectivité", 10), ("locale", 90), ("(en", 130), ("toutes", 154),
             ("lettres{>ommunauté", 196), ("urbaine", 310), ("de", 356),
             ("Pointe-à-Pitre", 374)]  # fmt: skip
    values = _read(_line(100, *words, source="ocr"),
                   _line(130, ("Nom", 10), (":", 40), ("Colin", 90), source="ocr"))  # fmt: skip
    assert values["organisation"] != "Pointe-à-Pitre"
    # Closed, the bracket is a qualifier of the caption.
    words = [("Collectivité", 10), ("locale", 90), ("(en", 130), ("toutes", 154),
             ("lettres)", 196), ("Communauté", 250), ("urbaine", 320), ("de", 366),
             ("Pointe-à-Pitre", 384)]  # fmt: skip
    values = _read(_line(100, *words, source="ocr"),
                   _line(130, ("Nom", 10), (":", 40), ("Colin", 90), source="ocr"))  # fmt: skip
    assert values["organisation"] == "Communauté urbaine de Pointe-à-Pitre"
