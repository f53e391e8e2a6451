"""The audit trail: one function writes every entry.

Entries are append-only (the model refuses updates and deletes; on PostgreSQL a trigger refuses
UPDATE and DELETE whatever code runs). `detail` is a short description chosen by our code, never
user-typed text, so no code word or concern wording can reach the trail.
"""

from __future__ import annotations

from contextvars import ContextVar
from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest

from .enums import AuditAction
from .models import AuditEntry, School, User

# The request being served, so that lifecycle calls made from a view record its address and path
# without every function passing the request along. Management commands have none.
current_request: ContextVar[HttpRequest | None] = ContextVar("homevisits_current_request", default=None)


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    try:
        return str(ip_address(candidate))
    except ValueError:
        return None


def record(
    user: User | None,
    action: AuditAction | str,
    obj=None,
    *,
    object_type: str = "",
    school: School | int | None = None,
    detail: str = "",
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Write one audit entry for `user` doing `action` to `obj` (a model with a `code`)."""
    request = request or current_request.get()
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        school = school if school is not None else getattr(obj, "school_id", None)
    school_id = school.pk if isinstance(school, School) else school
    authenticated = user is not None and user.is_authenticated
    return AuditEntry.objects.create(
        user_id=user.pk if authenticated else None,
        username=user.get_username() if authenticated else "",
        school_id=school_id,
        object_type=object_type,
        object_code=str(getattr(obj, "code", "") or getattr(obj, "pk", "") or "") if obj is not None else "",
        action=action,
        detail=detail[:200],
        ip_address=client_ip(request),
        path=(request.path[:300] if request is not None else ""),
    )


def record_many(
    user: User | None,
    action: AuditAction | str,
    objs,
    *,
    detail: str = "",
    request: HttpRequest | None = None,
) -> list[AuditEntry]:
    """One entry per object in `objs` (models with a `code` and a `school_id`), written in one
    bulk insert: for changes made many at a time, such as an MIS import of thousands of rows."""
    request = request or current_request.get()
    authenticated = user is not None and user.is_authenticated
    entries = [
        AuditEntry(
            user_id=user.pk if authenticated else None,
            username=user.get_username() if authenticated else "",
            school_id=getattr(obj, "school_id", None),
            object_type=obj._meta.model_name,
            object_code=str(getattr(obj, "code", "") or obj.pk),
            action=action,
            detail=detail[:200],
            ip_address=client_ip(request),
            path=(request.path[:300] if request is not None else ""),
        )
        for obj in objs
    ]
    return AuditEntry.objects.bulk_create(entries, batch_size=500)


class CurrentRequestMiddleware:
    """Makes the request available to `record()` for the length of the request."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
