"""The Jinja2 environment of the web UI and of the report: autoescaping on for every template."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"


def show_value(value: object) -> str:
    """A field value as staff read it: oui/non, workshop lists, empty for nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def show_json(text: str | None) -> str:
    return "" if text is None else show_value(json.loads(text))


@cache
def environment() -> Environment:
    # autoescape=True for every template whatever its name: a value is never markup.
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    env.filters["show"] = show_value
    env.filters["show_json"] = show_json
    return env


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
