from django.urls import reverse


def test_pages_render_for_each_role(cast, login):
    visit = cast.make_visit("authorised")
    for user, url in [
        (cast.office, reverse("visits:today")),
        (cast.visitor, reverse("visits:mine")),
        (cast.lead, reverse("safeguarding:queue")),
        (cast.head, reverse("visits:overview")),
        (cast.trust_admin, reverse("visits:trust")),
        (cast.lead, reverse("safeguarding:audit")),
        (cast.visitor, reverse("visits:detail", args=[visit.code])),
        (cast.lead, reverse("visits:detail", args=[visit.code])),
    ]:
        response = login(user).get(url)
        assert response.status_code == 200, (user, url)
