from django.urls import path

from . import feeds
from .views import queue

app_name = "safeguarding"

urlpatterns = [
    # The authorisation queue and decisions (hc01, hc03, hc06, hc13, mp01).
    path("queue/", queue.queue, name="queue"),
    path("visits/<uuid:code>/authorise/", queue.authorise, name="authorise"),
    path("visits/<uuid:code>/decline/", queue.decline, name="decline"),
    path("visits/<uuid:code>/send-back/", queue.send_back, name="send_back"),
    path("audit/", queue.audit_log, name="audit"),
    # The school diary (hc12): secret, revocable iCalendar feeds.
    path("feeds/", feeds.feeds_page, name="feeds"),
    path("feeds/new/", feeds.feed_create, name="feed_create"),
    path("feeds/<uuid:code>/revoke/", feeds.feed_revoke, name="feed_revoke"),
    path("feeds/<str:token>.ics", feeds.feed, name="feed"),
    # --- the risk assessment (hc09-hc11) ---
    # --- concerns and incidents (hc17, hc21, hc22) ---
    # --- CPOMS (hc24) ---
]
