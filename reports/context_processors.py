"""What the reports app adds to the "Records" menu: `reports_nav.show` and its own entries."""

from __future__ import annotations

from django.http import HttpRequest

from . import who as reports_who


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"reports_nav": {"show": False}}
    entries = {
        "school": bool(reports_who.report_schools(user)),
        "trust": bool(reports_who.trust_schools(user)),
        "governors": bool(reports_who.governors_schools(user)),
        "terms": bool(reports_who.term_schools(user)),
    }
    return {"reports_nav": {"show": any(entries.values()), **entries}}
