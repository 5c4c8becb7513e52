"""The templates a form's returns are read by: the generated blank's, computed from the form,
and each one learnt from an organiser's blank, kept as a TOML file in the folder beside the
form definition (`config/forms/kumamoto-2018.templates/*.toml`)."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import overload

from parsers.errors import FormDefinitionError
from parsers.fields.template.model import Template, parse_template, template_toml
from parsers.form import FormDefinition

SUFFIX = ".templates"


def templates_dir(form_path: Path) -> Path:
    """The folder of a form's learnt templates: beside the form file, named after it."""
    return form_path.with_name(form_path.stem + SUFFIX)


@dataclass(frozen=True, eq=False)
class FormTemplates(Sequence[Template]):
    """The generated blank's template, built when first looked at, then the learnt ones.

    Only page images are matched against templates: a text PDF is read without laying out
    the blank (reportlab and its fonts take longer to load than the PDF takes to read).
    """

    form: FormDefinition
    learnt: tuple[Template, ...]

    @cached_property
    def _all(self) -> tuple[Template, ...]:
        from intake.forms.layout import generated_template

        return (generated_template(self.form), *self.learnt)

    @overload
    def __getitem__(self, index: int) -> Template: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Template, ...]: ...

    def __getitem__(self, index: int | slice) -> Template | tuple[Template, ...]:
        return self._all[index]

    def __len__(self) -> int:
        return 1 + len(self.learnt)


def load_templates(form_path: Path, form: FormDefinition) -> FormTemplates:
    """The generated blank's template, then every learnt one, in file name order; the
    learnt ones are read (and checked) now."""
    learnt: list[Template] = []
    folder = templates_dir(form_path)
    if folder.is_dir():
        learnt += [read_template(path, form) for path in sorted(folder.glob("*.toml"))]
    return FormTemplates(form, tuple(learnt))


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
