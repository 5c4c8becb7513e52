"""What a page handler gets: the application, the request, the logged-in user and their role,
posted fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from intake.app import App
from intake.web.templating import render_template
from storage.users import may


@dataclass
class Ctx:
    app: App
    request: Request
    user: str
    form: dict[str, str]
    role: str = "reader"

    def page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """Render a page with the user, CSRF token and one-time notice every page shows."""
        notice = self.request.session.pop("notice", None)
        html = render_template(
            template,
            user=self.user,
            csrf=self.request.session.get("csrf", ""),
            notice=notice,
            path=self.request.url.path,
            can_review=may(self.role, "reviewer"),
            is_admin=may(self.role, "admin"),
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def redirect(self, url: str, notice: str | None = None) -> RedirectResponse:
        """303 after a POST, with a notice shown once on the next page."""
        if notice:
            self.request.session["notice"] = notice
        return RedirectResponse(url, status_code=303)

    def query(self, name: str) -> str:
        return self.request.query_params.get(name, "")

    def int_param(self, name: str) -> int:
        from starlette.exceptions import HTTPException

        try:
            return int(self.request.path_params[name])
        except (KeyError, ValueError):
            raise HTTPException(404) from None
