"""What the retention app adds to the "Records" menu: `retention_nav.show` and its own entries."""

from __future__ import annotations

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    return {"retention_nav": {"show": False}}
