"""Domain errors of the visit lifecycle. Views turn them into messages or form errors, never a 500."""

from __future__ import annotations


class LifecycleError(Exception):
    """Base class: the change was refused and nothing was written. `str()` is a sentence for
    the person who tried."""


class TransitionNotAllowed(LifecycleError):
    """The visit is not in a state from which this move is allowed, usually because someone
    else changed it first (the message says who and what)."""


class AlreadyDone(TransitionNotAllowed):
    """The step asked for was already logged (a retried tap, a second device, a reply lost on a
    bad signal): nothing new was written, and the person is told it is done, not that it failed."""


class NotPermitted(LifecycleError):
    """The person may not make this move on this visit (wrong role, wrong school, four-eyes)."""


class PreconditionFailed(LifecycleError):
    """The move is allowed in principle but something it needs is missing (a reason, the lone
    working approval, the record of the visit, ...). `problems` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems))
