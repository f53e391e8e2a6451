"""Benchmark of the PDFs (issue 6): each document rendered 20 times in-process, median in ms,
against a minimal one-page WeasyPrint document measured in the same run.

    .venv/bin/python bench/pdf_bench.py [--runs 20]

It builds a throwaway SQLite database in a temporary directory (whatever DATABASE_URL says), with
the test suite's cast and a completed visit with every field filled, and times what a download
does: the visit's context, the template and WeasyPrint. Target: the Home Visit Form under 1.5
times the minimal document.
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.5


def medians_ms(render, runs: int) -> tuple[float, float]:
    """(wall clock, CPU time) medians in ms. CPU time is the steadier figure on a shared machine."""
    render()  # warm: fonts, caches, the stylesheet parsed once per process
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        render()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


class Phases:
    """CPU time per WeasyPrint step of one render, by wrapping the functions `weasyprint.document`
    calls (a measuring aid for this script only; the app never does this)."""

    STEPS = {
        "get_all_computed_styles": "cascade",
        "build_formatting_structure": "boxes",
        "layout_document": "layout",
        "generate_pdf": "draw and write",
    }

    def __init__(self) -> None:
        import weasyprint.document as document

        self.times: dict[str, float] = {}
        for name, label in self.STEPS.items():
            setattr(document, name, self._timed(getattr(document, name), label))

    def _timed(self, function, label):
        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                result = function(*args, **kwargs)
                # layout_document yields the pages one by one: lay them all out here.
                return iter(list(result)) if inspect.isgenerator(result) else result
            finally:
                self.times[label] = self.times.get(label, 0.0) + (time.process_time() - start) * 1000

        return timed

    def median(self, render, runs: int) -> dict[str, float]:
        render()
        rows = []
        for _ in range(runs):
            self.times = {}
            start = time.process_time()
            render()
            total = (time.process_time() - start) * 1000
            rows.append(self.times | {"other (HTML parsing, fonts, setup)": total - sum(self.times.values())})
        return {label: statistics.median(row[label] for row in rows) for label in rows[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs

    workdir = tempfile.mkdtemp(prefix="hv-pdf-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["LOG_LEVEL"] = "WARNING"  # the emails the lifecycle sends while building the visit
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homevisits.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.template.loader import render_to_string
    from django.utils.html import strip_tags
    from weasyprint import HTML

    from tests.factories import make_cast
    from tests.visits.test_pdf import full_visit
    from visits import pdf

    cast = make_cast()
    visit = full_visit(cast)

    minimal = medians_ms(lambda: HTML(string="<p>A minimal one-page document.</p>").write_pdf(), runs)
    results = {kind: medians_ms(lambda kind=kind: pdf.render_document(kind, visit), runs) for kind in pdf.DOCUMENTS}

    print(f"median of {runs} renders in one process, ms: wall clock (ratio to minimal), CPU time (ratio)")
    rows = [("minimal one-page document", minimal)] + [
        (f"{pdf.DOCUMENTS[k].title} ({k})", r) for k, r in results.items()
    ]
    for label, (wall, cpu) in rows:
        print(f"  {label:48} {wall:8.1f} (x{wall / minimal[0]:.2f})  {cpu:8.1f} (x{cpu / minimal[1]:.2f})")

    # Where the form's time goes: Django (context and template) against WeasyPrint, and WeasyPrint
    # step by step beside the minimal document and the form's own words as one paragraph.
    form = pdf.DOCUMENTS["form"]

    def context():
        return form.context(visit) | {"title": form.title, "internal": True, "parent_signature": "", "signed": None}

    html = render_to_string(form.template, context())
    words = "<p>" + " ".join(strip_tags(html.split("<body", 1)[1]).split()) + "</p>"
    django_ms = medians_ms(lambda: render_to_string(form.template, context()), runs)[1]
    weasy_ms = medians_ms(lambda: pdf.html_to_pdf(html), runs)[1]
    print(f"Home Visit Form, CPU ms: context and template {django_ms:.1f}, WeasyPrint {weasy_ms:.1f}")
    phases = Phases()
    columns = {
        "minimal": phases.median(lambda: HTML(string="<p>A minimal one-page document.</p>").write_pdf(), runs),
        "form's words, 1 paragraph": phases.median(lambda: pdf.html_to_pdf(words), runs),
        "Home Visit Form": phases.median(lambda: pdf.html_to_pdf(html), runs),
    }
    print("WeasyPrint steps, median CPU ms:  " + "  ".join(f"{name:>26}" for name in columns))
    for step in columns["minimal"]:
        print(f"  {step:34}" + "  ".join(f"{column[step]:26.1f}" for column in columns.values()))

    ratio = results["form"][0] / minimal[0]
    verdict = "meets" if ratio < TARGET else "misses"
    print(f"Home Visit Form / minimal, wall clock: {ratio:.2f} ({verdict} the target of < {TARGET})")
    return 0 if ratio < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
