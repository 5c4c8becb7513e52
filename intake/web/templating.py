"""The Jinja2 environment of the web UI and of the report: autoescaping on for every template."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from intake.export import display_value

TEMPLATES = Path(__file__).parent / "templates"


show_value = display_value  # a field value as staff read it: oui/non, lists, empty


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
