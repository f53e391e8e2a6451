"""Touch targets on the visitor's pages (issue 16 item 6): every visible interactive element is at
least 48x48 CSS px on a school tablet, upright (768x1024) and on its side (1024x768): My visits, the
visit page at each stage (authorised, on the road, arrived, left) with every fold opened, who is
present, the record, the parent's signature, "child alone". The README promises 48 px.

Exempt, as WCAG 2.5.8 (Target Size, Minimum) allows and only so: a link inline in a sentence or a
block of text ("the size of the target is constrained by the line-height of non-target text").
Nothing else is exempt: not the menu, not a field, not a radio (a radio drawn as a button is
measured by its label, which is what the finger presses: the input itself takes no pointer).

The visitor's page keeps the doorstep first: the next step is on the first screen, and the page's
height at each stage is printed (issue 16 measured 3,466-4,170 px upright before).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from tests.factories import PASSWORD, Cast, make_cast
from visits import lifecycle
from visits.enums import Status
from visits.models import Visit

from .conftest import LANDSCAPE, PORTRAIT, open_tablet
from .test_roles_login import sign_in

pytestmark = pytest.mark.browser

MIN = 48

# Every visible interactive element, measured in the page. A radio or checkbox that takes no
# pointer (Bootstrap's .btn-check) is measured by its label; a link in running text is reported as
# inline (exempt): its parent holds text of its own beside it.
MEASURE = """
() => {
  const seen = [];
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]";
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    let target = el;
    const style = getComputedStyle(el);
    if ((el.type === "radio" || el.type === "checkbox") && style.pointerEvents === "none" && el.labels.length) {
      target = el.labels[0];
    }
    const box = target.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // visually hidden (the skip link until focused)
    let inline = false;
    if (el.tagName === "A" && !el.classList.contains("btn") && getComputedStyle(el).display === "inline") {
      const own = (el.textContent || "").trim();
      const around = (el.parentElement.textContent || "").replace(own, "").trim();
      inline = around.length > 0;
    }
    const name = (el.getAttribute("aria-label") || el.textContent || el.name || el.id || el.tagName).trim().replace(/\\s+/g, " ").slice(0, 50);
    seen.push({ name: name, tag: el.tagName, w: Math.round(box.width * 10) / 10, h: Math.round(box.height * 10) / 10, inline: inline });
  }
  return seen;
}
"""


def _start() -> dt.datetime:
    now = timezone.localtime().replace(second=0, microsecond=0)
    return max(now - dt.timedelta(minutes=5), now.replace(hour=0, minute=0))


def visitor_stages(cast: Cast) -> dict[str, Visit]:
    """One visit at each stage of the visitor's path, built through the lifecycle."""
    start = _start()
    authorised = cast.make_visit(Status.AUTHORISED, start=start)
    road = cast.make_visit(Status.IN_PROGRESS, start=start + dt.timedelta(minutes=1))
    arrived = cast.make_visit(Status.IN_PROGRESS, start=start + dt.timedelta(minutes=2))
    lifecycle.record_step(arrived, cast.visitor, "arrived")
    left = cast.make_visit(Status.IN_PROGRESS, start=start + dt.timedelta(minutes=3))
    lifecycle.record_step(left, cast.visitor, "arrived")
    lifecycle.write_record(left, cast.visitor, {"people_seen": "Mother", "child_seen": True, "outcome": "Plan agreed."})
    lifecycle.record_step(left, cast.visitor, "left")
    return {"authorised": authorised, "on the road": road, "arrived": arrived, "left": left}


def too_small(page: Page) -> list[dict]:
    """Open every fold and confirmation first (their contents are targets too), then measure."""
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.wait_for_timeout(50)
    return [t for t in page.evaluate(MEASURE) if not t["inline"] and (t["w"] < MIN or t["h"] < MIN)]


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["768x1024", "1024x768"])
def test_every_target_on_the_visitors_pages_is_at_least_48px(browser, server: str, viewport: dict):
    # Arrange
    cast = make_cast()
    stages = visitor_stages(cast)
    arrived = stages["arrived"]
    page = open_tablet(browser, viewport)
    try:
        sign_in(page, server, cast.visitor.username, PASSWORD)
        pages = {"My visits": "/visits/mine/", "Finished visits": "/visits/mine/?show=past"}
        pages.update({f"visit, {stage}": f"/visits/{visit.code}/" for stage, visit in stages.items()})
        pages.update(
            {
                "who is present": f"/visits/{arrived.code}/present/",
                "the record": f"/visits/{arrived.code}/record/",
                "the parent's signature": f"/visits/{arrived.code}/signature/",
                "child alone": f"/visits/{arrived.code}/urgent/child-alone/",
            }
        )

        # Act
        small = {}
        for name, path in pages.items():
            page.goto(f"{server}{path}")
            if found := too_small(page):
                small[name] = found

        # Assert
        assert small == {}
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["768x1024", "1024x768"])
def test_the_visitors_page_puts_the_next_step_on_the_first_screen_at_every_stage(
    browser, server: str, viewport: dict, capsys
):
    """Doorstep order: the next step on the first screen, above the urgent bar; the checklist and
    the risk folded one tap away. Prints each stage's page height for the issue's note."""
    # Arrange
    cast = make_cast()
    stages = visitor_stages(cast)
    page = open_tablet(browser, viewport)
    heights = {}
    try:
        sign_in(page, server, cast.visitor.username, PASSWORD)
        for stage, visit in stages.items():
            # Act
            page.goto(f"{server}/visits/{visit.code}/")
            heights[stage] = page.evaluate("document.body.scrollHeight")

            # Assert
            next_box = page.get_by_test_id("next-action").bounding_box()
            bar = page.get_by_test_id("urgent-bar")
            bottom = bar.bounding_box()["y"] if bar.count() else viewport["height"]
            assert next_box["y"] + next_box["height"] <= bottom, (stage, next_box)
            assert page.get_by_test_id("fold-checklist").count() == 1
            assert page.get_by_test_id("fold-more").get_attribute("open") is None
    finally:
        page.context.close()
    with capsys.disabled():
        print(f"\nvisitor's page height at {viewport['width']}x{viewport['height']}: {heights}")
