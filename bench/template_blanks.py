"""A form layout this project did not generate, recreated empty: the two-column bulletin of the
dev corpus (labels side by side, dashed lines to write on, drawn boxes), as a blank PDF to
learn a template from, and where a person filling it writes each value.

Coordinates in PDF points, origin top-left (the corpus's own geometry).
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

WIDTH, HEIGHT = A4
HEADER = (
    ("BULLETIN DE PARTICIPATION", 14, True, 40.0),
    ("6es Rencontres franco-japonaises de la coopération décentralisée", 10, False, 62.0),
    ("Kumamoto (Japon), du 8 au 11 octobre 2018", 10, False, 76.0),
    ("À retourner avant le 25 septembre 2017 à Cités Unies France", 8.5, False, 90.0),
    (
        "par courriel : rencontres.japon@cites-unies-france.example  ou par fax : 01 53 41 81 41",
        8.5,
        False,
        102.0,
    ),
)
SIZE = 10.5
# (key, label, label x, baseline, line from, line to): the corpus's two-column rows.
ROWS = (
    ("organisation", "Collectivité territoriale :", 60.0, 136.0, 170.2, 535.0),
    ("last_name", "Nom :", 60.0, 162.0, 92.0, 300.0),
    ("first_name", "Prénom :", 320.0, 162.0, 366.6, 535.0),
    ("position", "Fonction :", 60.0, 188.0, 110.1, 535.0),
    ("address", "Adresse :", 60.0, 214.0, 108.4, 535.0),
    ("postal_code", "Code postal :", 60.0, 240.0, 125.9, 300.0),
    ("city", "Ville :", 320.0, 240.0, 349.7, 535.0),
    ("phone", "Téléphone :", 60.0, 266.0, 119.5, 300.0),
    ("fax", "Fax :", 320.0, 266.0, 347.3, 535.0),
    ("email", "Courriel :", 60.0, 292.0, 106.6, 535.0),
    ("delegation_size", "Nombre de personnes composant la délégation :", 60.0, 370.0, 290.5, 360.0),
    ("signed_at", "Fait à", 60.0, 488.0, 92.0, 250.0),
    ("signed_on", ", le", 258.0, 488.0, 280.0, 420.0),
)
# (key, choice, box x, box top, caption): boxes 10 pt square, captions 18 pt right of them.
BOXES = (
    (
        "steering_committee",
        None,
        60.0,
        317.9,
        "participera à la réunion du comité de pilotage du 10 octobre 2017 (Paris)",
    ),
    (
        "rencontres",
        None,
        60.0,
        337.9,
        "participera aux 6es Rencontres franco-japonaises à Kumamoto (8-11 octobre 2018)",
    ),
    ("workshops", 1, 75.0, 407.9, "1. Accessibilité des transports publics"),
    ("workshops", 2, 75.0, 425.9, "2. Formation des jeunes à l'international"),
    (
        "workshops",
        3,
        75.0,
        443.9,
        "3. Coopération entre collectivités (gestion des crises, culture)",
    ),
)
BOX = 10.0


def twocol_blank_pdf() -> bytes:
    """The empty two-column bulletin."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    for text, size, bold, baseline in HEADER:
        canvas.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        canvas.drawCentredString(WIDTH / 2, HEIGHT - baseline, text)
    canvas.setFont("Helvetica", SIZE)
    canvas.setLineWidth(0.5)
    canvas.setDash(1, 2)
    for _, label, x, baseline, start, end in ROWS:
        canvas.drawString(x, HEIGHT - baseline, label)
        canvas.line(start, HEIGHT - baseline - 2, end, HEIGHT - baseline - 2)
    canvas.setDash()
    canvas.drawString(60.0, HEIGHT - 396.0, "Atelier(s) souhaité(s) :")
    canvas.setLineWidth(0.8)
    for _, _, x, top, caption in BOXES:
        canvas.rect(x, HEIGHT - top - BOX, BOX, BOX)
        canvas.drawString(x + 18.0, HEIGHT - top - 8.2, caption)
    canvas.drawString(60.0, HEIGHT - 514.0, "Signature et cachet :")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def value_places() -> dict[str, tuple[float, float, float]]:
    """Where a person writes each value: (x, baseline, end of its line)."""
    return {key: (start + 4.0, baseline, end) for key, _, _, baseline, start, end in ROWS}


def box_places() -> dict[tuple[str, int | None], tuple[float, float]]:
    """Each box's top-left corner, by (key, choice)."""
    return {(key, choice): (x, top) for key, choice, x, top, _ in BOXES}
