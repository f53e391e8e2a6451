"""The error pages (issue 16): a wrong address, a refused step and a server error answer with a
page of our own in plain words, inside the landmarks a screen reader moves by (Django's defaults
are a bare heading with no <main> and, for 404 and 403, no way home). The browser test
tests/e2e/test_accessibility.py runs axe on the 404 page; these check all three render."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_error_pages_not_found_is_ours_with_a_way_home(client):
    # Act
    response = client.get("/no-such-page/")

    # Assert
    html = response.content.decode()
    assert response.status_code == 404
    assert "<main" in html and "<h1" in html and "Page not found" in html
    assert 'href="/"' in html


def test_error_pages_refused_step_is_ours(rf: RequestFactory, django_user_model):
    # Arrange
    request = rf.get("/visits/")
    request.user = django_user_model.objects.create_user(username="someone")

    # Act
    response = defaults.permission_denied(request, PermissionDenied("a reason for the log"))

    # Assert
    html = response.content.decode()
    assert response.status_code == 403
    assert "<main" in html and "Not allowed" in html
    assert "a reason for the log" not in html


def test_error_pages_server_error_needs_no_context():
    # Act: the 500 page renders with nothing (no request, no database), as Django renders it.
    html = render_to_string("500.html")

    # Assert
    assert '<html lang="en-GB">' in html and "<main>" in html and "call 999" in html
