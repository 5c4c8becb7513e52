"""The variation rows of issue 14's table, and one bulletin of a row: a respondent, what they
answered, the sheet that shows it (the row's variation plus random order, wording, typeface
and spacing) and its truth (the corpus's schema, `missing` by the form's own rules)."""

from __future__ import annotations

import random
import re
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import phonenumbers

from bench.generator import wording as w
from bench.generator.extras import cover_sheet, letter, signature
from bench.generator.people import (
    PHONE_ZONES,
    Respondent,
    make_phone,
    make_respondent,
)
from bench.generator.sheet import FACES, Check, Entry, Sheet

FORM = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"
GENERAL = ("digital", "digital_lo", "docx", "odt", "acroform", "fax_normal", "fax_fine",
           "scan_pdf", "photo")  # fmt: skip
IMAGE_KINDS = ("fax_normal", "fax_fine", "scan_pdf", "photo", "photo_angled", "heic",
               "screenshot_png", "scan_270")  # fmt: skip
# Each row: what it shows, its sub-variants (cycled), and the kinds it is made in (cycled).
ROWS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "ruled": ("labels above boxes, ruled grids, shaded label cells",
              ("boxes", "table", "shaded"), GENERAL),
    "comb": ("comb fields for postal code, phone, date", ("postal_code", "phone", "date"),
             GENERAL),
    "long_labels": ("compound and long labels", ("compound", "long"), GENERAL),
    "combined": ("combined fields", ("name", "place", "both"), GENERAL),
    "pages": ("two-page bulletin, fax cover sheet, letter before it",
              ("two_pages", "cover_sheet", "letter"),
              ("fax_fine", "digital", "fax_normal", "docx", "scan_pdf", "digital_lo")),
    "noise": ("letterhead, logo, stamp over a value, value font size",
              ("letterhead", "stamp", "font_size"),
              ("digital", "fax_fine", "scan_pdf", "photo", "fax_normal", "docx")),
    "qualifiers": ("labels with qualifiers or instructions", ("qualified",), GENERAL),
    "civility": ("civility before names, names in capitals",
                 ("in_name", "own_field", "capitals"), GENERAL),
    "choices": ("yes/no pairs, workshops as text, tick glyphs",
                ("yes_no", "workshops_text", "glyphs"), GENERAL),
    "signature": ("signature lines in other words and orders",
                  ("lieu_date", "a_le", "fait_le_a", "place_le", "date_lieu"), GENERAL),
    "phones": ("overseas and mobile phones in any writing", ("overseas", "mobile"), GENERAL),
    "photo_perspective": ("phone photos at a strong angle with a shadow", ("angled",),
                          ("photo_angled", "heic")),
    "odt_doc": ("OpenDocument and legacy Word", ("odt", "doc"), ("odt", "doc")),
    "annotated": ("PDFs filled with FreeText annotations", ("freetext",), ("annotated",)),
    "needappearances": ("fillable PDFs without appearance streams", ("needappearances",),
                        ("acroform",)),
    "formats": ("HEIC photos, PNG screenshots, scans turned 270°",
                ("heic", "screenshot_png", "scan_270"), ("heic", "screenshot_png", "scan_270")),
}  # fmt: skip
INCOMPLETE_SHARE = 0.2  # about one bulletin in five comes back with a required field blank
HANDWRITTEN_SHARE = 0.15  # of the bulletins of image kinds
FIRST_DAY, LAST_DAY = date(2017, 6, 20), date(2017, 9, 24)  # sent out; the day before the deadline
TITLES = (
    (
        "BULLETIN DE PARTICIPATION",
        "6es Rencontres franco-japonaises de la coopération décentralisée",
        "Kumamoto (Japon), du 8 au 11 octobre 2018",
        "À retourner avant le 25 septembre 2017 à Cités Unies France",
    ),
    ("Bulletin de participation", "Rencontres franco-japonaises – Kumamoto 2018"),
    (
        "BULLETIN DE PARTICIPATION – RÉPONSE",
        "6es Rencontres franco-japonaises de la coopération décentralisée",
        "par courriel : rencontres.japon@cites-unies-france.example ou par fax : 01 53 41 81 41",
    ),
    ("Fiche d'inscription", "6es Rencontres franco-japonaises (Kumamoto, 8-11 octobre 2018)"),
)


def form_rules() -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = tomllib.loads(FORM.read_text())["field"]
    return fields


def missing_of(fields: dict[str, Any]) -> list[str]:
    """Required fields left blank, by the form file's rules, named as the extractor does."""
    missing: list[str] = []
    groups: dict[str, list[str]] = {}
    for spec in form_rules():
        key = spec["key"]
        if "required_group" in spec:
            groups.setdefault(spec["required_group"], []).append(key)
            continue
        needed = spec.get("required", False) or (
            "required_if" in spec and fields[spec["required_if"]] is True
        )
        if needed and fields[key] in (None, ""):
            missing.append(key)
    missing += [" or ".join(m) for m in groups.values() if not any(fields[k] for k in m)]
    return missing


def answers(rng: random.Random) -> dict[str, Any]:
    rencontres = rng.random() < 0.7
    day = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
    return {
        "steering_committee": rng.random() < 0.5 or not rencontres,
        "rencontres": rencontres,
        "delegation_size": rng.randint(1, 8) if rencontres else None,
        "workshops": sorted(rng.sample((1, 2, 3), rng.randint(0, 3))) if rencontres else [],
        "signed_on": day.isoformat(),
    }


def blank_one(rng: random.Random, fields: dict[str, Any], combined: set[str]) -> None:
    """Leave one required answer blank, as one bulletin in five comes back."""
    choices = [k for k in ("organisation", "last_name", "first_name", "position", "postal_code",
                           "city", "phone", "email") if k not in combined]  # fmt: skip
    choices += ["attendance", "delegation_size"]
    blank = rng.choice(choices)
    if blank == "attendance":
        fields.update(steering_committee=False, rencontres=False, delegation_size=None,
                      workshops=[])  # fmt: skip
    elif blank == "delegation_size":
        fields.update(rencontres=True, delegation_size=None)
    else:
        fields[blank] = None


def capitalises_back(name: str) -> bool:
    """A name in capitals reads back as itself ("LE GOFF" -> "Le Goff"; not "de Villiers")."""
    back = re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), name.upper().lower())
    return back == name


def make_bulletin(
    rng: random.Random,
    row: str,
    index: int,
    only: list[str] | None = None,
    pick: tuple[str, str, bool] | None = None,
) -> tuple[Sheet | None, dict[str, Any]]:
    """The `index`-th bulletin of a row: its sheet and its truth (without "file"); None when
    none of the row's kinds is among `only`. `pick` = (variant, kind, complete) chooses them
    instead (the test samples)."""
    _, variants, kinds = ROWS[row]
    kinds = tuple(k for k in kinds if only is None or k in only)
    if not kinds:
        return None, {}
    variant, kind = variants[index % len(variants)], kinds[index % len(kinds)]
    if pick is not None:
        variant, kind = pick[0], pick[1]
    person = make_respondent(rng, overseas=True if row == "phones" and variant == "overseas"
                             else None)  # fmt: skip
    fields: dict[str, Any] = {**person.fields, **answers(rng)}
    if row == "phones" and variant == "mobile":
        fields["phone"] = make_phone(rng, person.phone_region, "1", True)
    fields["signed_at"] = fields["city"] if rng.random() < 0.9 else None
    if fields["signed_at"] is None and rng.random() < 0.5:
        fields["signed_on"] = None
    combined = {"name": {"last_name", "first_name"}, "place": {"postal_code", "city"},
                "both": {"last_name", "first_name", "postal_code", "city"}}  # fmt: skip
    merged = combined.get(variant, set()) if row == "combined" else set()
    blank = rng.random() < INCOMPLETE_SHARE
    if blank if pick is None else not pick[2]:
        blank_one(rng, fields, merged)
    sheet = make_sheet(rng, row, variant, kind, person, fields)
    missing = missing_of(fields)
    truth = {"file": "", "kind": kind, "layout": sheet.style, "handwritten": sheet.handwritten,
             "variation": row, "variant": variant, "fields": fields, "missing": missing,
             "complete": not missing}  # fmt: skip
    return sheet, truth


def shown(rng: random.Random, key: str, fields: dict[str, Any]) -> str:
    value = fields[key]
    if value is None:
        return ""
    if key in ("phone", "fax"):
        return w.show_phone(rng, value)
    return str(value)


def make_sheet(rng: random.Random, row: str, variant: str, kind: str, person: Respondent,
               fields: dict[str, Any]) -> Sheet:  # fmt: skip
    styles = ("classic", "classic", "twocol", "stacked", "table", "shaded", "boxes")
    style = variant if row == "ruled" else rng.choice(styles)
    if row == "comb" and kind in ("docx", "odt", "digital_lo"):
        style = "table"  # Word makes comb cells as table cells
    sep = w.separator(rng)
    compound = row == "long_labels" and variant == "compound"
    long = row == "long_labels" and variant == "long"
    qualified = row == "qualifiers"

    def label(key: str) -> str:
        forced = rng.random() < 0.6  # not every label of the row's kind, as on real forms
        text = w.make_label(rng, key, compound=compound and forced, long=long and forced,
                            qualified=qualified and forced)  # fmt: skip
        return w.cap(text) + sep

    def entry(key: str, comb: int = 0) -> Entry:
        value = shown(rng, key, fields)
        if comb and key in ("phone", "fax") and fields[key]:
            # Ten cells hold the national number: "+33 (0)2…" would not fit.
            value = "0" + str(phonenumbers.parse(fields[key]).national_number)
        elif comb:
            value = re.sub(r"\D", "", value)
        return Entry((key,), label(key), value, comb)

    last_shown = fields["last_name"] or ""
    capitals = row == "civility" and variant == "capitals"
    if last_shown and capitalises_back(last_shown):
        last_shown = w.show_last_name(rng, last_shown, capitals)
    first_shown = fields["first_name"] or ""
    if capitals and first_shown and capitalises_back(first_shown) and rng.random() < 0.4:
        first_shown = first_shown.upper()
    civ = w.civility(rng, person.female)
    if row == "civility" and variant == "in_name" and last_shown:
        last_shown = f"{civ} {last_shown}"
    entries: dict[str, Entry] = {k: entry(k) for k in ("organisation", "position", "address",
                                                        "postal_code", "city", "phone", "fax",
                                                        "email")}  # fmt: skip
    entries["last_name"] = Entry(("last_name",), label("last_name"), last_shown)
    entries["first_name"] = Entry(("first_name",), label("first_name"), first_shown)
    if row == "comb":
        entries["postal_code"] = entry("postal_code", 5)
        if variant == "phone" or rng.random() < 0.4:
            entries["phone"] = entry("phone", 10)
    blocks: list[list[str]] = [
        ["organisation"],
        ["last_name", "first_name"],
        ["position"],
        ["address"],
        ["postal_code", "city"],
        ["phone", "fax"],
        ["email"],
    ]
    if rng.random() < 0.3:
        blocks[1].reverse()
    if rng.random() < 0.4:
        head = blocks.pop(0)
        blocks.insert(rng.randint(0, 2), head)
    rows: list[tuple[Entry, ...]] = []
    if row == "civility" and variant == "own_field":
        rows.append(
            (Entry(("civility",), w.cap(rng.choice(("Civilité", "Madame, Monsieur"))) + sep, civ),)
        )
    for block in blocks:
        if (
            row == "combined"
            and set(block) <= {"last_name", "first_name", "postal_code", "city"}
            and (variant == "both" or (variant == "name") == ("last_name" in block))
        ):
            rows.append((combined_entry(rng, block, fields, sep),))
            continue
        items = [entries[k] for k in block]
        paired = style == "twocol" and not any(i.comb for i in items)
        paired = paired or (style == "boxes" and block != ["last_name", "first_name"])
        if paired and len(items) == 2:
            rows.append(tuple(items))
        else:
            rows += [(i,) for i in items]
    size = fields["delegation_size"]
    face = rng.choice(sorted(FACES))
    sheet = Sheet(
        rows=rows,
        checks=[Check("steering_committee", rng.choice(w.STEERING), fields["steering_committee"]),
                Check("rencontres", rng.choice(w.RENCONTRES), fields["rencontres"])],
        delegation=Entry(("delegation_size",), rng.choice(w.DELEGATION) + sep,
                         w.show_size(rng, size) if size else ""),
        workshop_head=rng.choice(w.WORKSHOP_HEADS) + " :",
        workshops=[Check(f"workshop{n}", rng.choice(w.WORKSHOPS[n - 1]), n in fields["workshops"])
                   for n in (1, 2, 3)],
        workshops_text=None,
        signature=signature(rng, row, variant, fields),
        title=list(rng.choice(TITLES)),
        style=style,
        face=face,
        label_face=face if rng.random() < 0.6 else rng.choice(sorted(FACES)),
        label_size=rng.choice((10, 10.5, 11, 11)),
        tick=rng.choice(("cross", "check", "cross", "☒", "X")),
        spacing=rng.uniform(8.5, 11.5),
    )  # fmt: skip
    sheet.value_size = sheet.label_size
    apply_row(rng, row, variant, kind, sheet, person, fields)
    if kind in IMAGE_KINDS and rng.random() < HANDWRITTEN_SHARE and row != "formats":
        sheet.handwritten = True
    return sheet


def combined_entry(rng: random.Random, block: list[str], fields: dict[str, Any],
                   sep: str) -> Entry:  # fmt: skip
    if "city" in block:
        text = f"{fields['postal_code'] or ''} {fields['city'] or ''}".strip()
        return Entry(("postal_code", "city"), rng.choice(w.COMBINED_PLACE) + sep, text)
    caption, order = rng.choice(w.COMBINED_NAME)
    last, first = fields["last_name"] or "", fields["first_name"] or ""
    if "LAST" in order and not capitalises_back(last):
        order = order.replace("LAST", "last")  # "de Villiers" in capitals would not read back
    parts = {"last": last, "LAST": last.upper(), "first": first}
    text = " ".join(parts[p] for p in order.split())
    return Entry(("last_name", "first_name"), caption + sep, text)


def apply_row(rng: random.Random, row: str, variant: str, kind: str, s: Sheet,
              person: Respondent, fields: dict[str, Any]) -> None:  # fmt: skip
    """The row's own variation, on top of the random traits."""
    org, city = person.fields["organisation"], person.fields["city"]
    if row == "choices" and variant == "yes_no":
        questions = rng.choice(w.YES_NO_QUESTIONS)
        s.yes_no = True
        s.checks = [Check(c.key, q, c.ticked) for c, q in zip(s.checks, questions, strict=True)]
    if row == "choices" and variant == "workshops_text":
        s.workshops_text = Entry(("workshops",), rng.choice(w.WORKSHOP_HEADS) + " (n°) :",
                                 w.show_workshops(rng, fields["workshops"]))  # fmt: skip
        if not fields["workshops"]:
            s.workshops_text = Entry(("workshops",), s.workshops_text.label, "")
    if row == "choices" and variant == "glyphs":
        s.tick = rng.choice(("☒", "☑", "✓", "✔"))
    if row == "comb" and variant == "date" and fields["signed_on"]:
        day = date.fromisoformat(fields["signed_on"])
        s.signature = [(t, k) if k != "signed_on" else (f"{day:%d%m%Y}", "signed_on#comb")
                       for t, k in s.signature]  # fmt: skip
    if row == "qualifiers":
        s.title.append(
            rng.choice(
                (
                    "Merci de remplir en lettres capitales",
                    "(*) champs obligatoires",
                    "Écrire lisiblement, SVP",
                )
            )
        )
    if row == "noise":
        zone = PHONE_ZONES.get(person.region, "1")
        switchboard = w.show_phone(rng, make_phone(rng, person.phone_region, zone, False))
        if variant == "letterhead" or rng.random() < 0.3:
            s.letterhead = [
                org,
                f"{person.fields['address'] or 'Hôtel de Ville'} – "
                f"{person.fields['postal_code']} {city}",
                f"Tél. {switchboard} – www.{re.sub('[^a-z]', '', city.lower())}.fr",
            ]
            s.logo = "".join(word[0] for word in re.findall(r"[A-ZÉ]\w+", org))[:3] or "M"
        if variant == "stamp":
            s.stamp = rng.choice(("signed_at", "position", "signed_on", "organisation"))
            s.stamp_text = (org.upper()[:24], rng.choice(("Le Maire", "Le Président", "Cabinet")))
        if variant == "font_size":
            s.value_size = rng.choice((8.0, 8.5, 13.0, 14.0))
    if row == "pages":
        if variant == "two_pages":
            s.second_page_from = "checks"
        elif variant == "cover_sheet":
            s.before = [cover_sheet(rng, person, fields)]
        else:
            s.before = [letter(rng, person)]
