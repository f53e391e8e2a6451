"""What the reports app adds to the "Records" menu: `reports_nav.show` and its own entries."""

from __future__ import annotations

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    return {"reports_nav": {"show": False}}
