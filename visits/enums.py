"""Choices used across the product. States carry named groups so that no query or template has
to spell out a list of states."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    """A person's role at one school. Roles are per school: nothing crosses schools."""

    OFFICE = "office", "Office staff"
    VISITOR = "visitor", "Visiting staff"
    LEAD = "lead", "Designated safeguarding lead"
    DEPUTY_LEAD = "deputy_lead", "Deputy safeguarding lead"
    HEAD = "head", "Head teacher / SLT"
    TRUST_ADMIN = "trust_admin", "Trust administrator"
    # Sees the governors' report of the school only: counts and charts, never a name (issue 17).
    GOVERNOR = "governor", "Governor"

    @classmethod
    def safeguarding(cls) -> frozenset[str]:
        """Roles that may decide requests (hc01: 'the safeguarding lead', deputies included)."""
        return frozenset({cls.LEAD, cls.DEPUTY_LEAD})

    @classmethod
    def staff(cls) -> frozenset[str]:
        """Roles held by the school's staff: every role but the governor's (a volunteer on the
        board, who sees the governors' report only)."""
        return frozenset(cls.values) - {cls.GOVERNOR}

    @classmethod
    def whole_school(cls) -> frozenset[str]:
        """Roles that see every visit of their school (hc25: office, leads and head)."""
        return frozenset({cls.OFFICE, cls.LEAD, cls.DEPUTY_LEAD, cls.HEAD})


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REQUESTED = "requested", "Waiting for authorisation"
    SENT_BACK = "sent_back", "Sent back for changes"
    AUTHORISED = "authorised", "Authorised"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"
    IN_PROGRESS = "in_progress", "On the road"
    COMPLETED = "completed", "Completed"

    @classmethod
    def started(cls) -> frozenset[str]:
        """States that exist only after someone set off: each needs an authorisation (hc01)."""
        return frozenset({cls.IN_PROGRESS, cls.COMPLETED})

    @classmethod
    def terminal(cls) -> frozenset[str]:
        return frozenset({cls.DECLINED, cls.CANCELLED, cls.COMPLETED})

    @classmethod
    def open(cls) -> frozenset[str]:
        """Not yet decided or not yet carried out."""
        return frozenset({cls.DRAFT, cls.REQUESTED, cls.SENT_BACK, cls.AUTHORISED, cls.IN_PROGRESS})

    @classmethod
    def awaiting_decision(cls) -> frozenset[str]:
        return frozenset({cls.REQUESTED})

    @classmethod
    def editable(cls) -> frozenset[str]:
        """States in which the request's details may still be changed."""
        return frozenset({cls.DRAFT, cls.REQUESTED, cls.SENT_BACK, cls.AUTHORISED})


class VisitType(models.TextChoices):
    """hc03: procedural (planned) or emergency."""

    PLANNED = "planned", "Planned (procedural)"
    EMERGENCY = "emergency", "Emergency"


class Reason(models.TextChoices):
    """hc04: the reasons both policies give for a home visit."""

    REFUSING_SCHOOL = "refusing_school", "Pupil refusing to come into school"
    ATTENDANCE = "attendance", "Attendance issues or concerns"
    EDUCATED_AT_HOME = "educated_at_home", "Pupil being educated at home"
    CONTACT_FAILED = "contact_failed", "All other means of contact have failed"
    DISCUSS_AT_HOME = "discuss_at_home", "Discuss an issue about the child at home"
    WELFARE_CHECK = "welfare_check", "Establish an absent child is safe (welfare check)"
    ATTENDANCE_STRATEGIES = "attendance_strategies", "Support strategies to help the child attend"
    COLLECT_DROP_CHILD = "collect_drop_child", "Collect or drop off a child (welfare concern)"
    COLLECT_DROP_WORK = "collect_drop_work", "Drop off or collect school work"
    OFF_SICK = "off_sick", "Visit a child off school for a long period"
    TERM_TIME_HOLIDAY = "term_time_holiday", "Suspected term-time holiday"
    NEW_STARTER = "new_starter", "New starter visit (FS2 / Reception)"
    FAMILY_WELLBEING = "family_wellbeing", "Family wellbeing support"


class NotInformedException(models.TextChoices):
    """hc02: why the family was not told in advance."""

    ABSENT_NOT_RESPONDING = "absent_not_responding", "Confirming an absent child is at home; family not responding"
    EMERGENCY_SAFEGUARDING = "emergency_safeguarding", "Emergency safeguarding visit"
    POOR_ATTENDANCE = "poor_attendance", "Unannounced visit needed for poor attendance"


class AppointmentMethod(models.TextChoices):
    """hc08: how the appointment was made."""

    PHONE = "phone", "Phone call"
    LETTER = "letter", "Letter"
    IN_PERSON = "in_person", "In person"
    NONE = "none", "No appointment (unannounced)"


class EventKind(models.TextChoices):
    """Everything that can happen to a visit, in the order it usually happens."""

    CREATED = "created", "Request drafted"
    REQUESTED = "requested", "Requested"
    EDITED = "edited", "Details changed"
    RETURNED_TO_QUEUE = "returned_to_queue", "Returned to the queue after a change"
    SENT_BACK = "sent_back", "Sent back"
    AUTHORISED = "authorised", "Authorised"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"
    SET_OFF = "set_off", "Set off"
    ARRIVED = "arrived", "Arrived"
    LEFT = "left", "Left the property"
    BACK_AT_SCHOOL = "back_at_school", "Back at school"
    NOT_RETURNING = "not_returning", "Not returning to school today"
    NOT_RETURNING_CALL = "not_returning_call", "Call: not returning to school today"
    MOVED_ON = "moved_on", "Went on to another visit"
    ARRIVAL_CALL = "arrival_call", "Arrival call received"
    LEAVING_CALL = "leaving_call", "Leaving call received"
    OVERDUE = "overdue", "Overdue"
    NOT_SET_OFF = "not_set_off", "Not set off"
    NOT_BACK = "not_back", "Not back at school"
    STILL_OPEN = "still_open", "Still open at the end of the day"
    ALARM_ACKNOWLEDGED = "alarm_acknowledged", "Alarm acknowledged"
    ESCALATED_TO_LEADS = "escalated_to_leads", "Unacknowledged: every lead alerted"
    ESCALATED_TO_HEAD = "escalated_to_head", "Unacknowledged: the head alerted"
    RANG_MOBILE = "rang_mobile", "Office rang mobile"
    POLICE_CALLED = "police_called", "Police called"
    CODE_WORD_USED = "code_word_used", "Code word used"
    DANGER = "danger", "Immediate danger: 999"
    EXTENDED = "extended", "Visit extended"
    ALARM_RESOLVED = "alarm_resolved", "Alarm resolved"
    RISK_REVIEWED = "risk_reviewed", "Risk assessment reviewed"
    CONCERN_RAISED = "concern_raised", "Concern raised"
    INCIDENT = "incident", "Incident recorded"
    OUTCOME_RECORDED = "outcome_recorded", "Record of visit written"
    SIGNED = "signed", "Parent signed the form"
    NOT_SIGNED = "not_signed", "Parent did not sign"
    COMPLETED = "completed", "Completed"
    CPOMS_RECORDED = "cpoms_recorded", "Recorded on CPOMS"
    # Issue 14: a visitor left the school (or stopped visiting): the office chooses another.
    STAFF_LEFT = "staff_left", "Visitor no longer at the school"

    @classmethod
    def on_the_road(cls) -> frozenset[str]:
        """Events that only make sense while a visit is in progress (hc14)."""
        return frozenset({cls.ARRIVED, cls.LEFT, cls.ARRIVAL_CALL, cls.LEAVING_CALL})


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    TRANSITION = "transition", "Status changed"
    EVENT = "event", "Event logged"
    DOWNLOAD = "download", "Downloaded"
    LIST = "list", "Listed"
    EXPORT = "export", "Exported"
    ERASE = "erase", "Erased"


class AdultAuthority(models.TextChoices):
    """hc15: who the adult present is to the child. Only a parent or carer with parental
    responsibility, or an adult they delegated, lets a visit go ahead."""

    PARENTAL_RESPONSIBILITY = "parental_responsibility", "Parent or carer with parental responsibility"
    DELEGATED = "delegated", "Adult delegated by the parent or carer"
    NONE = "none", "No responsible adult present"


class IncidentKind(models.TextChoices):
    """hc22: what can happen to a visitor on a visit."""

    THREAT = "threat", "Threat or abuse towards the visitor"
    INJURY = "injury", "Injury or accident"
    ACCUSATION = "accusation", "Accusation against the visitor"
