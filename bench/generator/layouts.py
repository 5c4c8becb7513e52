"""A `Sheet` laid out on A4 pages as drawing primitives: the identity block in its style
(leader dots, two columns, stacked, ruled grid, shaded label cells, labels above boxes, comb
cells), check boxes or yes/no pairs, workshops, the signature line, and the noise around it."""

from __future__ import annotations

import random

from bench.generator.sheet import (
    GLYPH_FACE,
    Box,
    Check,
    Entry,
    Line,
    Logo,
    Page,
    Rect,
    Sheet,
    Squiggle,
    Stamp,
    Text,
    text_mm,
)

WIDTH, HEIGHT = 210.0, 297.0
LEFT, RIGHT = 20.0, 190.0
CELL = 6.0  # comb cell width, mm: a handwritten digit fits


def fit(text: str, face: str, size: float, room: float) -> float:
    """The size a typist shrinks a value to so that it fits its room (not under 7 pt)."""
    while size > 7 and text_mm(text, face, size) > room:
        size -= 0.5
    return size


def key_of(entry: Entry) -> str:
    return "+".join(entry.keys)


def value_prims(s: Sheet, entry: Entry, x: float, y: float, room: float) -> list[Text | Rect]:
    """The value of an entry at (x, y): one text, or one character per comb cell."""
    if entry.comb:
        prims: list[Text | Rect] = []
        for i in range(entry.comb):
            prims.append(Rect(x + i * CELL, y - 1.2, x + (i + 1) * CELL, y + 5.8))
            if i < len(entry.value):
                char = entry.value[i]
                dx = (CELL - text_mm(char, s.face, s.value_size)) / 2
                prims.append(Text(x + i * CELL + dx, y, char, s.value_size, s.face,
                                  key=key_of(entry)))  # fmt: skip
        return prims
    if not entry.value:
        return []
    size = fit(entry.value, s.face, s.value_size, room)
    return [Text(x, y, entry.value, size, s.face, key=key_of(entry))]


def entry_width(entry: Entry) -> float:
    return entry.comb * CELL if entry.comb else 0.0


def lay_identity(s: Sheet, y: float) -> tuple[Page, float]:
    """The identity rows in the sheet's style; returns the primitives and the y below."""
    page: Page = []
    lf, ls = s.label_face, s.label_size
    if s.style in ("table", "shaded"):
        widest = max(text_mm(e.label, lf, ls, True) for row in s.rows for e in row)
        mid = min(LEFT + widest + 6, 105.0)
        top, height = y, max(s.spacing, 8.5)
        for row in s.rows:
            entry = row[0]
            if s.style == "shaded":
                page.append(Rect(LEFT, y, mid, y + height, fill=215, outline=False))
            size = fit(entry.label, lf, ls, mid - LEFT - 4)
            page.append(Text(LEFT + 2, y + 2.2, entry.label, size, lf, bold=True))
            page += value_prims(s, entry, mid + 2.5, y + 2.2, RIGHT - mid - 4)
            y += height
        for i in range(len(s.rows) + 1):
            page.append(Line(LEFT, top + i * height, RIGHT, top + i * height, 0.4))
        page += [Line(x, top, x, y, 0.4) for x in (LEFT, mid, RIGHT)]
        return page, y + 6
    if s.style == "boxes":
        for row in s.rows:
            width = (RIGHT - LEFT - 6 * (len(row) - 1)) / len(row)
            for i, entry in enumerate(row):
                x = LEFT + i * (width + 6)
                page.append(Text(x, y, entry.label, ls - 1.5, lf))
                if entry.comb:
                    page += value_prims(s, entry, x, y + 5.8, width)
                else:
                    page.append(Rect(x, y + 4.5, x + width, y + 11.5))
                    page += value_prims(s, entry, x + 2, y + 6, width - 4)
            y += max(s.spacing, 9) + 5
        return page, y + 4
    for row in s.rows:
        columns = (LEFT, 114.0) if len(row) == 2 else (LEFT,)
        for i, entry in enumerate(row):
            x, end = columns[i], (108.0 if len(row) == 2 and i == 0 else RIGHT)
            page.append(Text(x, y, entry.label, ls, lf))
            start = x + text_mm(entry.label + " ", lf, ls)
            if s.style == "stacked":
                vx, vy = x + 4, y + 5.5
            else:
                vx = 75.0 if s.style == "classic" and start < 72 and len(row) == 1 else start + 2
                vy = y - 0.3
            if not entry.comb:
                page.append(Line(start if s.style != "stacked" else x, vy + 5, end, vy + 5,
                                 0.3, dotted=True))  # fmt: skip
            page += value_prims(s, entry, vx, vy, end - vx)
        y += s.spacing + (5.5 if s.style == "stacked" else 0)
    return page, y + 3


def lay_check(s: Sheet, check: Check, x: float, y: float) -> Page:
    """A box and its caption; a glyph tick is typed text, a drawn one is a mark in a box."""
    if s.tick in ("cross", "check"):
        return [Box(x, y + 0.4, 3.6, check.ticked, s.tick, check.key),
                Text(x + 6, y, check.caption, s.label_size, s.label_face)]  # fmt: skip
    glyph = s.tick if check.ticked else "☐"
    if s.tick in ("X", "x"):  # typed in brackets: "[X]" / "[  ]"
        return [Text(x, y, f"[{s.tick}]" if check.ticked else "[  ]", s.value_size, s.face,
                     key=check.key),
                Text(x + 8, y, check.caption, s.label_size, s.label_face)]  # fmt: skip
    return [Text(x, y, glyph, s.value_size + 1, GLYPH_FACE, key=check.key),
            Text(x + 6, y, check.caption, s.label_size, s.label_face)]  # fmt: skip


def lay_yes_no(s: Sheet, check: Check, y: float) -> Page:
    """'Question : Oui ☐ Non ☒' on one line."""
    page: Page = [Text(LEFT, y, f"{check.caption} :", s.label_size, s.label_face)]
    x = max(LEFT + text_mm(f"{check.caption} : ", s.label_face, s.label_size) + 2, 120.0)
    for word, state in (("Oui", check.ticked), ("Non", not check.ticked)):
        page += lay_check(s, Check(f"{check.key}:{word}", word, state), x, y)
        x += 24
    return page


def lay_rest(s: Sheet, y: float, rng: random.Random) -> tuple[Page, float]:
    """Attendance, delegation, workshops, signature line and the signature itself."""
    page: Page = []
    for check in s.checks:
        page += lay_yes_no(s, check, y) if s.yes_no else lay_check(s, check, LEFT, y)
        y += 8.5
    y += 1
    page.append(Text(LEFT, y, s.delegation.label, s.label_size, s.label_face))
    start = LEFT + text_mm(s.delegation.label + " ", s.label_face, s.label_size)
    page.append(Line(start, y + 4.7, start + 30, y + 4.7, 0.3, dotted=True))
    page += value_prims(s, s.delegation, start + 2, y - 0.3, 40)
    y += 10
    if s.workshops_text is not None:
        entry = s.workshops_text
        page.append(Text(LEFT, y, entry.label, s.label_size, s.label_face))
        start = LEFT + text_mm(entry.label + " ", s.label_face, s.label_size)
        page.append(Line(start, y + 4.7, RIGHT, y + 4.7, 0.3, dotted=True))
        page += value_prims(s, entry, start + 2, y - 0.3, RIGHT - start)
        y += 10
    else:
        page.append(Text(LEFT, y, s.workshop_head, s.label_size, s.label_face))
        y += 8
        for check in s.workshops:
            page += lay_check(s, check, LEFT + 8, y)
            y += 7.5
    y += 6
    x = LEFT
    for text, key in s.signature:
        if key.endswith("#comb"):
            page += value_prims(s, Entry((key[:-5],), "", text, len(text)), x + 1, y, 60)
            x += len(text) * CELL + 3
        elif key:
            page.append(Text(x, y - 0.3, text, s.value_size, s.face, key=key))
            x += text_mm(text, s.face, s.value_size) + 1.5
        else:
            page.append(Text(x, y, text, s.label_size, s.label_face))
            x += text_mm(text, s.label_face, s.label_size) + 1.5
    y += 11
    page.append(
        Text(
            LEFT,
            y,
            rng.choice(("Signature et cachet :", "Signature :", "Cachet et signature")),
            s.label_size,
            s.label_face,
        )
    )
    page.append(Squiggle(70, y + 8, rng.randrange(1 << 20)))
    return page, y + 25


def lay_text_page(lines: list[str], s: Sheet) -> Page:
    """A cover sheet or letter: its lines down the page ("# " marks a heading)."""
    page: Page = []
    y = 25.0
    for line in lines:
        bold = line.startswith("# ")
        text = line[2:] if bold else line
        page.append(Text(LEFT, y, text, s.label_size + (4 if bold else 0), s.label_face, bold))
        y += 10 if bold else 6.5
    return page


def lay_out(s: Sheet, rng: random.Random) -> list[Page]:
    """Every page of the document, cover sheet or letter first."""
    pages = [lay_text_page(lines, s) for lines in s.before]
    page: Page = []
    y = 14.0
    if s.logo:
        page.append(Logo(LEFT, 10, s.logo))
    if s.letterhead:
        x = LEFT + (32 if s.logo else 0)
        for i, line in enumerate(s.letterhead):
            page.append(Text(x, 11 + i * 4.6, line, 8.5 if i else 11, s.label_face, bold=not i))
        y = 14 + 4.6 * len(s.letterhead) + 8
    for i, line in enumerate(s.title):
        size = 15 if i == 0 else 9.5
        page.append(Text((WIDTH - text_mm(line, s.label_face, size, i == 0)) / 2, y, line,
                         size, s.label_face, bold=i == 0))  # fmt: skip
        y += 8 if i == 0 else 5
    identity, y = lay_identity(s, y + 6)
    page += identity
    if s.second_page_from:
        page.append(Text(RIGHT - 30, HEIGHT - 15, "page 1/2", 8, s.label_face))
        pages.append(page)
        page = [Text(LEFT, 18, "Bulletin de participation (suite)", 11, s.label_face, True)]
        y = 32
    rest, y = lay_rest(s, y + 2, rng)
    page += rest
    pages.append(page)
    if s.stamp:
        held = [p for p in pages if any(isinstance(t, Text) and s.stamp in t.key.split("+")
                                        for t in p)]  # fmt: skip
        (held or pages)[-1].append(stamp_over(s, (held or pages)[-1], rng))
    return pages


def stamp_over(s: Sheet, page: Page, rng: random.Random) -> Stamp:
    """A round stamp whose edge crosses the end of the chosen value."""
    target = next((p for p in page if isinstance(p, Text) and s.stamp in p.key.split("+")), None)
    if target is None:
        return Stamp(150, 250, 17, s.stamp_text, rng.uniform(-25, 25))
    end = target.x + text_mm(target.text, target.face, target.size)
    return Stamp(end + rng.uniform(4, 12), target.y + 2 + rng.uniform(-4, 4), 17, s.stamp_text,
                 rng.uniform(-25, 25))  # fmt: skip
