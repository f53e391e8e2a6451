"""Which school-wide pages a person opens, and where they land (visits.access.PAGE_ROLES)."""

from tests.factories import make_user
from visits import who
from visits.enums import Role


def test_home_url_name_follows_each_role(cast):
    assert who.home_url_name(cast.lead) == "safeguarding:queue"
    assert who.home_url_name(cast.office) == "visits:today"
    assert who.home_url_name(cast.visitor) == "visits:mine"
    assert who.home_url_name(cast.head) == "visits:overview"
    assert who.home_url_name(cast.trust_admin) == "visits:trust"


def test_home_url_name_prefers_the_queue_for_a_lead_who_also_visits(cast):
    both = make_user("both.hc", cast.school, Role.VISITOR, Role.DEPUTY_LEAD)
    assert who.home_url_name(both) == "safeguarding:queue"


def test_home_url_name_is_none_without_a_role(db):
    assert who.home_url_name(make_user("nobody.hc")) is None


def test_page_schools_never_crosses_schools(cast):
    assert who.page_schools(cast.lead, "queue") == [cast.school.pk]
    assert who.page_schools(cast.other_lead, "queue") == [cast.other_school.pk]
    assert who.page_schools(cast.visitor, "queue") == []
    assert who.may_open_page(cast.office, "school_feed", cast.school.pk)
    assert not who.may_open_page(cast.office, "school_feed", cast.other_school.pk)
