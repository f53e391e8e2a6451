"""The parent signs on the tablet (hc23), in a browser with touch, at 768x1024 and 1024x768: draw
with a finger and the mouse, check the drawing, confirm, and see it back on the visit page through
the permission-checked image view. Screenshots of each step go to
test-artifacts/screenshots/signature-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, Cast, make_cast
from visits import lifecycle, signature
from visits.enums import EventKind, Status
from visits.models import ParentSignature, VisitEvent

from .conftest import LANDSCAPE, PORTRAIT
from .test_roles_login import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def under_way(server) -> tuple[Cast, object]:
    cast = make_cast()
    visit = cast.make_visit(Status.IN_PROGRESS)
    # At the door: the signature is offered once the visitors have arrived.
    lifecycle.record_step(visit, cast.visitor, "arrived")
    return cast, visit


def touch_stroke(page: Page, points: list[tuple[float, float]]) -> None:
    """One stroke with a finger: real touch events through the DevTools protocol (Playwright's
    touchscreen only taps), which the browser turns into pointer events of type "touch"."""
    cdp = page.context.new_cdp_session(page)
    first, *rest = points
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": first[0], "y": first[1]}]})
    for x, y in rest:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def mouse_stroke(page: Page, points: list[tuple[float, float]]) -> None:
    page.mouse.move(*points[0])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x, y, steps=4)
    page.mouse.up()


def pen_stroke(page: Page, points: list[tuple[float, float]]) -> None:
    """One stroke with a stylus: mouse events of pointer type "pen" through the DevTools protocol."""
    cdp = page.context.new_cdp_session(page)
    common = {"button": "left", "pointerType": "pen", "force": 0.5}
    (x, y), *rest = points
    cdp.send("Input.dispatchMouseEvent", {"type": "mousePressed", "x": x, "y": y, "clickCount": 1, **common})
    for x, y in rest:
        cdp.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y, **common})
    cdp.send("Input.dispatchMouseEvent", {"type": "mouseReleased", "x": x, "y": y, "clickCount": 1, **common})
    cdp.detach()


def draw_signature(page: Page) -> None:
    """A name-like scrawl: a finger stroke, a stroke with the mouse and a flourish with a stylus."""
    box = page.locator("#sig-canvas").bounding_box()
    assert box is not None

    def at(fx: float, fy: float) -> tuple[float, float]:
        return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy

    inked = [inked_pixels(page)]
    touch_stroke(page, [at(0.1 + i * 0.02, 0.55 + (0.15 if i % 4 < 2 else -0.15)) for i in range(20)])
    inked.append(inked_pixels(page))
    mouse_stroke(page, [at(0.5, 0.7), at(0.55, 0.35), at(0.6, 0.7), at(0.7, 0.4), at(0.85, 0.6)])
    inked.append(inked_pixels(page))
    pen_stroke(page, [at(0.12 + i * 0.04, 0.8 - (i % 2) * 0.03) for i in range(18)])
    inked.append(inked_pixels(page))
    # Each of finger, mouse and stylus left ink.
    assert all(after > before + 100 for before, after in zip(inked, inked[1:], strict=False)), inked


def inked_pixels(page: Page) -> int:
    """How many pixels of the pad's canvas carry ink."""
    return page.evaluate(
        """() => {
            const canvas = document.getElementById("sig-canvas");
            const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            let inked = 0;
            for (let i = 3; i < data.length; i += 4) { if (data[i] > 128) inked++; }
            return inked;
        }"""
    )


def open_pad(page: Page, server: str, cast: Cast, visit) -> None:
    sign_in(page, server, cast.visitor.username, PASSWORD)
    page.goto(f"{server}/visits/{visit.code}/")
    card = page.get_by_test_id("signature-card")
    expect(card).to_contain_text("Not signed yet.")
    card.get_by_role("link", name="Parent signs on the tablet").click()
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/signature/$"))
    expect(page.locator("#sig-canvas")).to_be_visible()


def assert_touch_target(page: Page, name: str) -> None:
    box = page.get_by_role("button", name=name, exact=True).bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 48, (name, box)


def check_and_confirm(page: Page, screenshots, size: str, visit) -> None:
    page.get_by_role("button", name="Check the signature").click()
    preview = page.locator("#sig-preview")
    expect(preview).to_be_visible()
    expect(page.locator("#sig-draw")).to_be_hidden()
    # A second tap on "Check the signature" must not land on the other path, nor change the name.
    expect(page.locator("#sig-decline")).to_be_hidden()
    expect(page.get_by_label("Name of the parent or guardian")).not_to_be_editable()
    assert preview.evaluate("img => img.naturalWidth") >= signature.MIN_WIDTH
    expect(page.locator("#sig-confirm")).to_contain_text("Signed by Pat Parent")
    for name in ("Sign again", "Confirm: this is my signature"):
        assert_touch_target(page, name)
    page.screenshot(path=screenshots / f"signature-{size}-3-check.png", full_page=True)
    page.get_by_role("button", name="Confirm: this is my signature").click()

    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/$"))
    expect(page.locator(".alert-success")).to_contain_text("signature is saved")
    image = page.get_by_test_id("signature-image")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    page.get_by_test_id("signature-card").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / f"signature-{size}-4-saved.png", full_page=True)


def assert_saved(visit) -> None:
    stored = ParentSignature.objects.get(visit=visit)
    assert stored.signed and stored.signer_name == "Pat Parent"
    assert signature.MIN_WIDTH <= stored.width <= signature.MAX_WIDTH
    assert signature.MIN_HEIGHT <= stored.height <= signature.MAX_HEIGHT
    assert bytes(stored.image).startswith(signature.PNG_MAGIC)
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.SIGNED).count() == 1


def test_hc23_parent_signs_with_touch_on_a_768_tablet(tablet: Page, server: str, under_way, screenshots):
    # Arrange
    cast, visit = under_way
    open_pad(tablet, server, cast, visit)
    tablet.screenshot(path=screenshots / "signature-768-1-pad.png", full_page=True)
    for name in ("Clear", "Check the signature"):
        assert_touch_target(tablet, name)
    # The canvas is drawn at the screen's density, so that the line is sharp.
    sizes = tablet.evaluate(
        "() => { const c = document.getElementById('sig-canvas'); return [c.width, c.offsetWidth]; }"
    )
    assert sizes[0] == 2 * sizes[1]

    # Act: a slip, cleared; then the signature.
    touch_stroke(tablet, [(200, 500), (220, 510)])
    tablet.get_by_role("button", name="Clear", exact=True).click()
    expect(tablet.locator("#sig-status")).to_contain_text("The box is clear")
    assert inked_pixels(tablet) == 0
    draw_signature(tablet)
    assert inked_pixels(tablet) > 200
    tablet.screenshot(path=screenshots / "signature-768-2-drawn.png", full_page=True)
    # "Back to the visit" with a drawing not yet saved asks first; saying no keeps the drawing.
    asked = []
    tablet.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    tablet.get_by_role("link", name="Back to the visit").click()
    expect(tablet).to_have_url(re.compile(r"/signature/$"))
    assert asked == ["The signature is not saved yet. Leave this page without saving it?"]
    assert inked_pixels(tablet) > 200
    check_and_confirm(tablet, screenshots, "768", visit)

    # Assert: kept, and served back through the image view.
    assert_saved(visit)
    src = tablet.get_by_test_id("signature-image").get_attribute("src")
    assert src == f"/visits/{visit.code}/signature.png"


def test_hc23_parent_signs_on_a_1024_tablet_and_turning_it_keeps_the_drawing(
    tablet: Page, server: str, under_way, screenshots
):
    # Arrange
    cast, visit = under_way
    tablet.set_viewport_size(LANDSCAPE)
    open_pad(tablet, server, cast, visit)

    # Act: checking an empty pad, or without a name, is refused in words; then sign, turn the
    # tablet, turn it back.
    tablet.get_by_role("button", name="Check the signature").click()
    expect(tablet.locator("#sig-status")).to_contain_text("Please sign in the white box first.")
    name = tablet.get_by_label("Name of the parent or guardian")
    name.fill("")
    draw_signature(tablet)
    tablet.get_by_role("button", name="Check the signature").click()
    expect(tablet.locator("#sig-status")).to_contain_text("First write the name of the parent or guardian")
    expect(name).to_be_focused()
    name.fill("Pat Parent")
    tablet.get_by_role("button", name="Clear", exact=True).click()
    expect(tablet.locator("#sig-confirm")).to_be_hidden()
    tablet.screenshot(path=screenshots / "signature-1024-1-pad.png", full_page=True)
    draw_signature(tablet)
    drawn = inked_pixels(tablet)
    tablet.set_viewport_size(PORTRAIT)
    tablet.wait_for_function(
        "() => document.getElementById('sig-canvas').width === 2 * document.getElementById('sig-canvas').offsetWidth && document.getElementById('sig-canvas').offsetWidth < 800"
    )
    turned = inked_pixels(tablet)
    tablet.set_viewport_size(LANDSCAPE)
    tablet.wait_for_function("() => document.getElementById('sig-canvas').offsetWidth > 900")
    tablet.screenshot(path=screenshots / "signature-1024-2-drawn.png", full_page=True)

    # Assert: the drawing survived both turns (scaled to the narrower box, then back as it was),
    # then it is confirmed and kept.
    back = inked_pixels(tablet)
    assert drawn > 200 and drawn * 0.3 < turned < drawn
    assert abs(back - drawn) < drawn * 0.1, (drawn, back)
    check_and_confirm(tablet, screenshots, "1024", visit)
    assert_saved(visit)


def test_hc23_parent_declines_to_sign_on_the_tablet(tablet: Page, server: str, under_way, screenshots):
    # Arrange
    cast, visit = under_way
    open_pad(tablet, server, cast, visit)

    # Act: the separate path puts the pad away; saving without a reason is stopped.
    tablet.locator("#sig-decline-open").click()
    expect(tablet.locator("#sig-draw")).to_be_hidden()
    tablet.get_by_role("button", name="Save: the parent did not sign").click()
    expect(tablet).to_have_url(re.compile(r"/signature/$"))
    expect(tablet.locator("#sig-reason-feedback")).to_be_visible()
    expect(tablet.locator("#sig-reason-feedback")).to_have_text("Write why the parent does not want to sign.")
    assert not ParentSignature.objects.filter(visit=visit).exists()
    tablet.get_by_label("Why the parent does not want to sign").fill("Wants to read the form with her partner first.")
    tablet.screenshot(path=screenshots / "signature-768-5-decline.png", full_page=True)
    tablet.get_by_role("button", name="Save: the parent did not sign").click()

    # Assert
    expect(tablet).to_have_url(re.compile(rf"/visits/{visit.code}/$"))
    expect(tablet.get_by_test_id("signature-card")).to_contain_text("did not want to sign")
    stored = ParentSignature.objects.get(visit=visit)
    assert (stored.image, stored.declined_reason) == (None, "Wants to read the form with her partner first.")


def test_hc23_a_refused_signature_is_explained_and_the_earlier_one_kept(
    tablet: Page, server: str, under_way, screenshots
):
    # Arrange: a signature already kept; then what the tablet sends is swapped for a GIF.
    cast, visit = under_way
    open_pad(tablet, server, cast, visit)
    draw_signature(tablet)
    check_and_confirm(tablet, screenshots, "768-first", visit)
    kept = bytes(ParentSignature.objects.get(visit=visit).image)
    tablet.get_by_test_id("signature-card").get_by_role("link", name="Take the signature again").click()
    expect(tablet.get_by_test_id("signature-existing")).to_contain_text("Signing again replaces this signature.")
    draw_signature(tablet)
    tablet.get_by_role("button", name="Check the signature").click()
    expect(tablet.get_by_test_id("signature-existing")).to_be_hidden()  # only the new one to check
    gif = "data:image/png;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    tablet.evaluate("src => { document.getElementById('sig-preview').src = src; }", gif)

    # Act
    tablet.get_by_role("button", name="Confirm: this is my signature").click()

    # Assert: the page says what happened and what to do; the first signature is still there.
    errors = tablet.get_by_test_id("signature-errors")
    expect(errors).to_contain_text("Nothing was saved.")
    expect(errors).to_contain_text("The signature is not a PNG image. Ask the parent to sign again.")
    expect(tablet.locator("#sig-canvas")).to_be_visible()
    tablet.screenshot(path=screenshots / "signature-768-6-refused.png", full_page=True)
    assert bytes(ParentSignature.objects.get(visit=visit).image) == kept
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.SIGNED).count() == 1
