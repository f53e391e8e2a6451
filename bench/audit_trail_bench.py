"""Benchmark of the audit trail page at millions of rows (issue 15), on PostgreSQL.

    .venv/bin/python bench/audit_trail_bench.py --db postgres://postgres@127.0.0.1:5432/homevisits_auditbench \
        [--rows 1000000] [--runs 15] [--keep]

It drops and creates the database named in --db (it must not be one you keep!), migrates it, makes
the test suite's cast (two schools), twelve visits of the cast's family, and fills the trail with
--rows entries in one INSERT ... SELECT: 60% at the cast's school, the rest at the other school and
a third one; 250 people; 20,000 objects per school, the family's objects among them; five years of
time. Then it times, through the page's own code (`safeguarding.audit_trail`, median of --runs, in
ms), the first page, a page deep in the trail (after 90% of the school's rows), each filter, and the
CSV export of one family and of a month, and prints each query's plan's first line (the index used).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]


def recreate(url: str) -> None:
    import psycopg2

    name = urlparse(url).path.lstrip("/")
    if not name or name in {"postgres", "homevisits"}:
        sys.exit(f"refusing to drop database {name!r}: give a throwaway database name")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def median_ms(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="reuse the filled database as it is")
    args = parser.parse_args()

    if not args.keep:
        recreate(args.db)
    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homevisits.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the cast's e-mails, unsent
    import time_machine
    from django.core.management import call_command
    from django.db import connection
    from django.test import RequestFactory
    from django.utils import timezone

    from homevisits import pagination
    from safeguarding import audit_trail
    from tests.factories import make_cast, make_school
    from visits.enums import AuditAction, Status
    from visits.models import AuditEntry, Household, School

    if not args.keep:
        call_command("migrate", verbosity=0)
        # The suite's builders read a pinned clock: pin it to now, running on.
        with time_machine.travel(timezone.now(), tick=True):
            cast = make_cast()
            third = make_school("Third School", cast.school.trust)
            for i in range(12):
                cast.make_visit(Status.REQUESTED if i % 2 else Status.AUTHORISED)
        family = audit_trail.family_codes(cast.school.pk, [cast.household])
        print(f"family: {len(family)} codes", flush=True)
        start = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(
                """
                INSERT INTO visits_auditentry
                    (at, user_id, username, school_id, object_type, object_code, action, detail, ip_address, path)
                SELECT now() - (g * interval '1 second') * (5 * 365 * 86400 / %(rows)s),
                       g %% 250, 'staff.' || (g %% 250),
                       (ARRAY[%(a)s, %(a)s, %(a)s, %(b)s, %(c)s])[1 + g %% 5],
                       'visit',
                       CASE WHEN g %% 997 = 0 THEN (%(family)s::text[])[1 + (g / 997) %% %(n)s]
                            ELSE md5('object' || (g %% 20000))::uuid::text END,
                       (ARRAY['view','view','view','list','update','transition','event','create','download'])
                           [1 + g %% 9],
                       'bench', '10.0.0.1', '/bench/'
                FROM generate_series(1, %(rows)s) AS g
                """,
                {
                    "rows": args.rows,
                    "a": cast.school.pk,
                    "b": cast.other_school.pk,
                    "c": third.pk,
                    "family": family,
                    "n": len(family),
                },
            )
            cur.execute("ANALYZE visits_auditentry")
        print(f"filled {args.rows:,} rows in {time.perf_counter() - start:.0f} s", flush=True)

    school = School.objects.order_by("pk").first()
    household = Household.objects.filter(school=school).order_by("pk").first()
    factory = RequestFactory()

    def request(**params):
        return factory.get("/safeguarding/audit/", params)

    small = School.objects.get(name="Third School")

    def deep_row(at_school):
        n = AuditEntry.objects.filter(school=at_school).count()
        return n, AuditEntry.objects.filter(school=at_school).order_by("-at", "-id")[int(n * 0.9)]

    total, deep = deep_row(school)
    small_total, small_deep = deep_row(small)
    today = deep.at.date()
    year = {"date_from": today.replace(month=1, day=1), "date_to": today.replace(month=12, day=31)}
    cases = {
        "first page": (school, {}, None),
        "page after 90% of the school's rows": (school, {}, deep),
        "person": (school, {"person": "staff.7"}, None),
        "person, deep page": (school, {"person": "staff.7"}, deep),
        "family": (school, {"households": [household]}, None),
        "action (download)": (school, {"action": AuditAction.DOWNLOAD}, None),
        "one day, years back": (school, {"date_from": today, "date_to": today}, None),
        "person + action + a year": (school, {"person": "staff.7", "action": AuditAction.VIEW, **year}, None),
        "smaller school: first page": (small, {}, None),
        "smaller school: page after 90%": (small, {}, small_deep),
    }
    print(
        f"\n{total:,} rows at the school, {small_total:,} at the smaller one, {AuditEntry.objects.count():,} in all; "
        f"median of {args.runs} runs"
    )
    for label, (at_school, data, after) in cases.items():
        req = request(after=pagination._encode(after, audit_trail.ORDERING)) if after else request()

        def run(at_school=at_school, data=data, req=req):
            return audit_trail.page(audit_trail.entries(at_school.pk, data), req)

        ms = median_ms(run, args.runs)
        rows = len(run().rows)
        qs = audit_trail.entries(at_school.pk, data)
        if after:
            qs = qs.filter(at__lte=after.at).filter(pagination._after(audit_trail.ORDERING, [after.at, after.pk], True))
        plan = qs.order_by(*audit_trail.ORDERING)[:51].explain().splitlines()
        scan = next((line.strip() for line in plan if "Scan" in line), plan[0])
        print(f"{label:38} {ms:8.1f} ms  {rows:3} rows  {scan[:90]}")

    exports = {
        "family": {"households": [household]},
        "a month": {"date_from": today.replace(day=1), "date_to": today.replace(day=28)},
        "a year": {"date_from": today.replace(month=1, day=1), "date_to": today.replace(month=12, day=31)},
    }
    for label, data in exports.items():
        start = time.perf_counter()
        size = lines = 0
        for chunk in audit_trail.csv_lines(audit_trail.entries(school.pk, data)):
            size += len(chunk)
            lines += chunk.count(b"\n")
        seconds = time.perf_counter() - start
        # Again under tracemalloc (which slows Python down) for the peak memory held.
        tracemalloc.start()
        for _chunk in audit_trail.csv_lines(audit_trail.entries(school.pk, data)):
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"export, {label:30} {lines - 1:8,} rows {size / 1e6:6.1f} MB in {seconds:5.2f} s, "
            f"peak Python memory {peak / 1e6:.1f} MB"
        )


if __name__ == "__main__":
    main()
