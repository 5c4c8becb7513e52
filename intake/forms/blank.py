"""`intake form blank`: the blank bulletin of a form, as the organiser attaches it to the
invitation: a printable PDF, a fillable PDF and a Word file."""

from __future__ import annotations

from pathlib import Path

from intake.errors import InputError
from intake.forms.blank_docx import blank_docx
from intake.forms.blank_pdf import fillable_pdf, printable_pdf
from intake.forms.layout import blank_layout
from parsers.form import FormDefinition


def write_blanks(form: FormDefinition, out: Path) -> list[Path]:
    """Write the three blanks of `form` into the folder `out`; returns their paths."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the folder: {exc.strerror}") from exc
    layout = blank_layout(form)
    files = {
        f"bulletin-{form.id}.pdf": printable_pdf(layout),
        f"bulletin-{form.id}-remplissable.pdf": fillable_pdf(layout),
        f"bulletin-{form.id}.docx": blank_docx(form),
    }
    written = []
    for name, data in files.items():
        path = out / name
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise InputError(f"{path}: cannot be written: {exc.strerror}") from exc
        written.append(path)
    return written
