"""The visit's lifecycle: the only code that writes a visit's `status`, its step fields, its
timeline, and the object permissions of the people tied to it.

The package, one module per part of a visit's life:
- `core`: the row lock, `transition()` (the one function that changes status), the checks an
  authorisation must pass, the timeline;
- `requests`: creating and editing requests, and what an authorisation covers;
- `road`: the steps on the road (arrived, left, back) and `complete_when_done`, the one way a
  visit's own steps complete it;
- `record`: the Record of Home Visit, its draft, not conducted (hc15), the parent's signature;
- `alarms`: overdue, the code word, the escalation ladder;
- `steps`: steps sent from the tablet, once per key, at the time they were taken (issue 16).
*Who* may do each thing is `visits.who`'s, and *when* is the table in `visits.moves`; both sit
below this package, which imports neither `visits.access` nor anything of `safeguarding`.

hc01 is guarded three times: `start` moves only from `authorised`; editing what the lead saw
sends an authorised visit back to `requested` (clearing the authorisation); and the database
CHECK constraint `hc01_started_visit_is_authorised` refuses any started visit without one.

The names below are the package's interface, as they were when it was one module.
"""

from ..moves import (
    ALARM_EVENTS,
    ALARM_STATES,
    ALLOWED_MOVES,
    ESCALATIONS,
    MOVES,
    RESOLUTIONS,
    RETURN_TO_QUEUE,
    STEPS,
    Action,
    Escalation,
    Move,
    Step,
    actor_may,
    is_allowed,
    start_refusal_reason,
)
from ..who import REQUESTER_ROLES
from .alarms import (
    POLICE_REFERENCE_MAX,
    AlarmState,
    acknowledge_alarm,
    alarm_state,
    climb_ladder,
    raise_code_word_alarm,
    raise_from_tablet,
    record_escalation,
    record_missed,
    record_overdue,
    record_still_open,
)
from .core import (
    AUTHORISATION_CHECKS,
    HIGH_RISK_TESTS,
    AuthorisationCheck,
    Decision,
    authorisation_blockers,
    change_since,
    confirmations_needed,
    last_change,
    log_event,
    mark_changed,
    register_authorisation_check,
    transition,
)
from .record import (
    DRAFT_MAX_BYTES,
    NOT_CONDUCTED_NOTE_MAX,
    RECORD_FIELDS,
    RecordResult,
    draft_of,
    end_not_conducted,
    record_signature,
    record_version,
    save_draft,
    submit_record,
    write_record,
)
from .requests import (
    MATERIAL_FIELDS,
    authorisation_changed,
    create_request,
    lock_for_change,
    update_request,
)
from .road import extend, record_step, taken_once
from .steps import NOT_SENT, OLDEST_STEP, Sent, kept_for, sent_from

__all__ = [
    "ALARM_EVENTS",
    "ALARM_STATES",
    "NOT_SENT",
    "OLDEST_STEP",
    "Sent",
    "kept_for",
    "sent_from",
    "taken_once",
    "ALLOWED_MOVES",
    "AUTHORISATION_CHECKS",
    "DRAFT_MAX_BYTES",
    "ESCALATIONS",
    "HIGH_RISK_TESTS",
    "MATERIAL_FIELDS",
    "MOVES",
    "NOT_CONDUCTED_NOTE_MAX",
    "POLICE_REFERENCE_MAX",
    "RECORD_FIELDS",
    "REQUESTER_ROLES",
    "RESOLUTIONS",
    "RETURN_TO_QUEUE",
    "STEPS",
    "Action",
    "AlarmState",
    "AuthorisationCheck",
    "Decision",
    "Escalation",
    "Move",
    "RecordResult",
    "Step",
    "actor_may",
    "acknowledge_alarm",
    "alarm_state",
    "climb_ladder",
    "record_missed",
    "record_still_open",
    "authorisation_blockers",
    "authorisation_changed",
    "confirmations_needed",
    "create_request",
    "draft_of",
    "record_version",
    "end_not_conducted",
    "is_allowed",
    "change_since",
    "last_change",
    "mark_changed",
    "lock_for_change",
    "log_event",
    "raise_code_word_alarm",
    "record_escalation",
    "record_overdue",
    "record_signature",
    "extend",
    "raise_from_tablet",
    "record_step",
    "register_authorisation_check",
    "save_draft",
    "start_refusal_reason",
    "submit_record",
    "transition",
    "update_request",
    "write_record",
]
