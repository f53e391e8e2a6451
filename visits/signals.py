"""Signals the visits app sends, so that apps built on it (safeguarding) can react without visits
importing them."""

from django.dispatch import Signal

# Sent after a code-word alarm (hc18) has been committed; kwargs: visit_pk.
code_word_raised = Signal()

# Sent inside the transaction that wrote a Record of Home Visit (hc20), so that a receiver's writes
# (safeguarding makes a concern of a "yes" to child protection, hc21) commit or roll back with it;
# kwargs: record, actor.
record_written = Signal()

# Sent inside the transaction of every status change (`lifecycle.core.move_locked`), on the locked
# row, so that a receiver's writes (the documents kept at that moment, issue 17) commit or roll
# back with it; kwargs: visit, actor, action.
visit_moved = Signal()

# Sent inside the transaction that kept a signature on the visit's documents (hc23): the parent's
# (`lifecycle.record_signature`, signed or not) and a visitor's own (`visits.staff_signatures`);
# kwargs: visit, actor.
parent_signed = Signal()
staff_signed = Signal()

# Sent inside the transaction that logged a step of the visit on the road (arrived, left, back,
# rang to say not returning: `lifecycle.road`), on the locked row; kwargs: visit, actor, step.
step_logged = Signal()
