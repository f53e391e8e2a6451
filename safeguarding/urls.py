from django.urls import path

from . import feeds, views

app_name = "safeguarding"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("audit/", views.audit_log, name="audit"),
    path("visits/<uuid:code>/authorise/", views.authorise, name="authorise"),
    path("visits/<uuid:code>/decline/", views.decline, name="decline"),
    path("visits/<uuid:code>/send-back/", views.send_back, name="send_back"),
    # The school diary (hc12): secret, revocable iCalendar feeds.
    path("feeds/", feeds.feeds_page, name="feeds"),
    path("feeds/new/", feeds.feed_create, name="feed_create"),
    path("feeds/<uuid:code>/revoke/", feeds.feed_revoke, name="feed_revoke"),
    path("feeds/<str:token>.ics", feeds.feed, name="feed"),
]
