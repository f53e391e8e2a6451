"""Signals the visits app sends, so that apps built on it (safeguarding) can react without visits
importing them."""

from django.dispatch import Signal

# Sent after a code-word alarm (hc18) has been committed; kwargs: visit_pk.
code_word_raised = Signal()
