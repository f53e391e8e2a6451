import pytest

from visits.enums import Status


@pytest.mark.parametrize("status", Status.values)
def test_cast_make_visit_reaches_every_state(cast, status):
    visit = cast.make_visit(status)
    assert visit.status == status
