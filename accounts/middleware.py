"""Every signed-in page asks `accounts.second_factor` first (issue 14)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import second_factor as factor


class SecondFactorMiddleware:
    """A signed-in person who has not given the second factor in this session reaches only the
    pages that take it (and sign-out): with an app set up they type its code; without one, where
    it is required, they set one up first. A session that gave it costs no query here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if getattr(view_func, "second_factor_exempt", False):
            return None
        lacking = factor.needed(request)
        if lacking is factor.NOTHING:
            return None
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = lacking.redirect(request)["Location"]
            return response
        return lacking.redirect(request)
