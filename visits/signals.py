"""Signals the visits app sends, so that apps built on it (safeguarding) can react without visits
importing them."""

from django.dispatch import Signal

# Sent after a code-word alarm (hc18) has been committed; kwargs: visit_pk.
code_word_raised = Signal()

# Sent inside the transaction that wrote a Record of Home Visit (hc20), so that a receiver's writes
# (safeguarding makes a concern of a "yes" to child protection, hc21) commit or roll back with it;
# kwargs: record, actor.
record_written = Signal()
