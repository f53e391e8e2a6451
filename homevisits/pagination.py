"""Keyset ("seek") pagination: each page is one indexed range query.

Django's Paginator counts the whole table and skips with OFFSET, which grows with the table
(a trust's five years is ~250,000 visits). Here a page is fetched as "the next N rows after this
row" on an ordering that ends in the primary key, so every page costs the same, whatever page
it is. The cursor is signed so a hand-edited URL gives the first page, never an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.http import HttpRequest

SALT = "homevisits.pagination"


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.prev_cursor)


def _encode(row: Any, fields: list[str]) -> str:
    values = []
    for name in fields:
        value = getattr(row, name.lstrip("-"))
        values.append(value.isoformat() if isinstance(value, dt.datetime | dt.date) else value)
    return signing.dumps(values, salt=SALT, compress=True)


def _decode(cursor: str, fields: list[str], model) -> list | None:
    try:
        raw = signing.loads(cursor, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(raw, list) or len(raw) != len(fields):
        return None
    values = []
    for name, value in zip(fields, raw, strict=True):
        try:
            field = model._meta.get_field(name.lstrip("-"))
        except FieldDoesNotExist:
            # An annotation (e.g. the queue's urgency): only plain numbers are accepted.
            if not isinstance(value, int) or isinstance(value, bool):
                return None
            values.append(value)
            continue
        try:
            values.append(field.to_python(value))
        except Exception:  # noqa: BLE001 - a tampered cursor means "start again", not a 500
            return None
    return values


def _after(fields: list[str], values: list, forward: bool) -> Q:
    """Rows strictly after `values` in the ordering `fields` (or before, when not `forward`)."""
    condition = Q()
    for i in range(len(fields) - 1, -1, -1):
        name = fields[i].lstrip("-")
        descending = fields[i].startswith("-")
        op = "lt" if descending == forward else "gt"
        strict = Q(**{f"{name}__{op}": values[i]})
        if i == len(fields) - 1:
            condition = strict
        else:
            condition = strict | (Q(**{name: values[i]}) & condition)
    return condition


def seek(queryset: QuerySet, request: HttpRequest, ordering: list[str], per_page: int = 25) -> Page:
    """One page of `queryset` in `ordering` (which must end with the primary key, e.g.
    ["scheduled_start", "id"]), from the `after` or `before` cursor in the query string."""
    model = queryset.model
    after = request.GET.get("after")
    before = request.GET.get("before")
    forward = True
    qs = queryset.order_by(*ordering)
    if after and (values := _decode(after, ordering, model)) is not None:
        qs = qs.filter(_after(ordering, values, forward=True))
        had_previous = True
    elif before and (values := _decode(before, ordering, model)) is not None:
        forward = False
        reverse = [f[1:] if f.startswith("-") else f"-{f}" for f in ordering]
        qs = queryset.order_by(*reverse).filter(_after(ordering, values, forward=False))
        had_previous = False
    else:
        had_previous = False
    rows = list(qs[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    if not forward:
        rows.reverse()
        next_cursor = _encode(rows[-1], ordering) if rows else None
        prev_cursor = _encode(rows[0], ordering) if rows and more else None
    else:
        next_cursor = _encode(rows[-1], ordering) if rows and more else None
        prev_cursor = _encode(rows[0], ordering) if rows and had_previous else None
    return Page(rows=rows, next_cursor=next_cursor, prev_cursor=prev_cursor)
