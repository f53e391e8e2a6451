"""What retention listens to: a change that may move a visit's retention date."""

from __future__ import annotations

from .rules import refresh_later


def on_basis_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw and instance.visit_id:
        refresh_later(instance.visit_id)


def on_pupils_changed(sender, instance, action: str, reverse: bool = False, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"} and not reverse:
        refresh_later(instance.pk)
