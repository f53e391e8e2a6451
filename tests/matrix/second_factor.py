"""Routes of the second factor (issue 14): anyone signed in, about their own account only."""

from __future__ import annotations

from tests.matrix import LOGIN, SIGNED_IN, Route, signed_in_page

ROUTES: dict[str, Route] = {
    # With the factor given (as the matrix's sign-in gives it), the code page asks it again: 200.
    "accounts:second_factor": Route("GET", signed_in_page()),
    # Given within 15 minutes, an app can be replaced: 200 (a password alone cannot: tests/accounts).
    "accounts:second_factor_setup": Route("GET", signed_in_page()),
    "accounts:second_factor_recovery": Route("GET", signed_in_page()),
    "accounts:second_factor_renew": Route(
        "POST", {"anonymous": LOGIN} | dict.fromkeys(SIGNED_IN, "302 accounts:second_factor_recovery")
    ),
}
