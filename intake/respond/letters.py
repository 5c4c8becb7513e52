"""The texts of mail to respondents: Jinja2 templates in a folder beside the form file, named
after it (`config/forms/kumamoto-2018.toml` → `config/forms/kumamoto-2018/ack.txt`), so that
another event's form brings its own words. A template's first line is `Subject: …`, then a
blank line, then the body; both are rendered with the same values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)

from intake.errors import SettingsError

_SUBJECT = "Subject:"


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


def template_folder(form_path: Path) -> Path:
    return form_path.with_suffix("")


def check_letters(form_path: Path, ack: bool, reminders: bool) -> None:
    """At start-up: the templates the settings turned on exist and parse (SettingsError)."""
    wanted = [("ack.txt", "ack (INTAKE_ACK)")] if ack else []
    wanted += [("remind.txt", "reminders (INTAKE_REMINDERS)")] if reminders else []
    for template, setting in wanted:
        _environment(template_folder(form_path), template, setting)


def _environment(folder: Path, template: str, setting: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=False,  # noqa: S701  (plain-text mail: nothing to escape)
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    where = folder / template
    try:
        env.get_template(template)
    except TemplateNotFound:
        raise SettingsError(f"setting {setting}: template {where} not found") from None
    except TemplateSyntaxError as exc:
        raise SettingsError(
            f"setting {setting}: {where} line {exc.lineno}: {exc.message}"
        ) from None
    return env


def render_letter(form_path: Path, template: str, setting: str, **values: Any) -> Letter:
    """Render `template` (ack.txt, remind.txt) of the form; a missing or broken template
    is a SettingsError naming `setting`, the file and the line."""
    folder = template_folder(form_path)
    where = folder / template
    env = _environment(folder, template, setting)
    try:
        text = env.get_template(template).render(**values)
    except TemplateError as exc:
        raise SettingsError(f"setting {setting}: {where}: {exc}") from None
    head, _, body = text.partition("\n")
    if not head.startswith(_SUBJECT):
        raise SettingsError(f"setting {setting}: {where} must start with a 'Subject: …' line")
    subject = " ".join(head.removeprefix(_SUBJECT).split())
    return Letter(subject, body.lstrip("\n").rstrip() + "\n")
