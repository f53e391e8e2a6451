"""Each role's main pages at 768x1024 on a touch tablet: the first screen as a PNG and the page's
height, against a served demo (the numbers and pictures in docs/screenshots/issue-16/).

    make demo && DEMO_MODE=true DATABASE_URL=sqlite:///$PWD/var/demo.sqlite3 \\
        .venv/bin/python manage.py runserver 127.0.0.1:8100 &
    DATABASE_URL=sqlite:///$PWD/var/demo.sqlite3 .venv/bin/python scripts/page_heights.py \\
        http://127.0.0.1:8100 /tmp/heights

Signs in as the demo's people with the demo's password and authenticator keys (demo only).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

TABLET = {"width": 768, "height": 1024}


def _pages() -> dict[str, list[tuple[str, str]]]:
    """The pages to look at, per demo user, with the visits and household they need."""
    from visits.models import Household, Visit

    def visits(**kw) -> list[str]:
        found = Visit.objects.filter(school__slug__contains="holy", **kw).order_by("scheduled_start")
        return [str(v.code) for v in found]

    mine = {"lead_visitor__username": "visitor1.holycross"}
    stages = {
        "authorised": visits(status="authorised", **mine)[:1],
        "on_road": visits(status="in_progress", arrived_at__isnull=True, **mine)[:1],
        "arrived": visits(status="in_progress", arrived_at__isnull=False, left_at__isnull=True, **mine)[:1],
        "left": visits(status="in_progress", left_at__isnull=False, **mine)[:1],
    }
    requested = visits(status="requested")[:1]
    household = str(Household.objects.filter(school__slug__contains="holy").order_by("name").first().code)
    return {
        "office.holycross": [
            ("board", "/visits/board/"),
            ("today", "/visits/today/"),
            ("new_request", f"/visits/new/?household={household}"),
            ("households", "/visits/households/"),
        ],
        "lead.holycross": [("queue", "/queue/")]
        + [("decide", f"/visits/{c}/decide/") for c in requested]
        + [("request_page", f"/visits/{c}/") for c in requested],
        "visitor1.holycross": [("mine", "/visits/mine/")]
        + [(f"visit_{k}", f"/visits/{v[0]}/") for k, v in stages.items() if v],
        "head.holycross": [("overview", "/visits/overview/")],
    }


def _sign_in(page, base: str, username: str) -> None:
    from django_otp.oath import totp

    from demo.data import DEMO_PASSWORD, demo_totp_key

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/two-factor/" in page.url:
        page.get_by_label("Code").fill(f"{totp(bytes.fromhex(demo_totp_key(username))):06d}")
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state()


def main(base: str, out: Path) -> None:
    import django
    from playwright.sync_api import sync_playwright

    django.setup()
    out.mkdir(parents=True, exist_ok=True)
    heights: dict[str, int] = {}
    wanted = _pages()  # before Playwright's event loop starts: the ORM refuses to run inside it
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for username, pages in wanted.items():
            context = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB", timezone_id="Europe/London")
            page = context.new_page()
            _sign_in(page, base, username)
            who = username.split(".")[0]
            for name, path in pages:
                answer = page.goto(base + path)
                height = page.evaluate("document.documentElement.scrollHeight")
                heights[f"{who}:{name}"] = height
                page.screenshot(path=str(out / f"{who}_{name}.png"))
                print(username, name, answer.status if answer else None, height, flush=True)
            context.close()
    (out / "heights.json").write_text(json.dumps(heights, indent=1))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homevisits.settings")
    main(sys.argv[1], Path(sys.argv[2]))
