"""What the disclosure app adds to the "Records" menu: `disclosure_nav.show` and its own entries."""

from __future__ import annotations

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    return {"disclosure_nav": {"show": False}}
