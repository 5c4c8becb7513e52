"""The templates a form's returns are read by: the generated blank's, computed from the form,
and each one learnt from an organiser's blank, kept as a TOML file in the folder beside the
form definition (`config/forms/kumamoto-2018.templates/*.toml`)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from intake.forms.layout import generated_template
from parsers.errors import FormDefinitionError
from parsers.fields.template.model import Template, parse_template, template_toml
from parsers.form import FormDefinition

SUFFIX = ".templates"


def templates_dir(form_path: Path) -> Path:
    """The folder of a form's learnt templates: beside the form file, named after it."""
    return form_path.with_name(form_path.stem + SUFFIX)


def load_templates(form_path: Path, form: FormDefinition) -> tuple[Template, ...]:
    """The generated blank's template, then every learnt one, in file name order."""
    found = [generated_template(form)]
    folder = templates_dir(form_path)
    if folder.is_dir():
        found += [read_template(path, form) for path in sorted(folder.glob("*.toml"))]
    return tuple(found)


def read_template(path: Path, form: FormDefinition) -> Template:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FormDefinitionError(f"{path}: template cannot be read: {exc}") from exc
    return parse_template(data, form, str(path))


def write_template(template: Template, path: Path, comment: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(template_toml(template, comment), encoding="utf-8")
    return path
