from django.urls import path

from .views import board, booking
from .views import visits as views

app_name = "visits"

urlpatterns = [
    path("today/", views.today, name="today"),
    path("mine/", views.mine, name="mine"),
    path("overview/", views.overview, name="overview"),
    path("trust/", views.trust, name="trust"),
    path("<uuid:code>/", views.detail, name="detail"),
    path("<uuid:code>/submit/", views.submit, name="submit"),
    path("<uuid:code>/cancel/", views.cancel, name="cancel"),
    path("<uuid:code>/start/", views.start, name="start"),
    path("<uuid:code>/arrived/", views.step, {"step_name": "arrived"}, name="arrived"),
    path("<uuid:code>/left/", views.step, {"step_name": "left"}, name="left"),
    path("<uuid:code>/back/", views.step, {"step_name": "back"}, name="back"),
    path("<uuid:code>/complete/", views.complete, name="complete"),
    # Booking visits (the Home Visit Form, hc02-hc08, hc11, hc13, mp01-mp03).
    path("new/", booking.new, name="new"),
    path("new-starters/", booking.new_starters, name="new_starters"),
    path("<uuid:code>/edit/", booking.edit, name="edit"),
    path("<uuid:code>/follow-up/", booking.follow_up, name="follow_up"),
    path("<uuid:code>/letter/", booking.letter, name="letter"),
    # The day board and the alarms (hc12, hc18, hc19).
    path("board/", board.board, name="board"),
    path("board/rows/", board.board_rows_partial, name="board_rows"),
    path("<uuid:code>/alarm/", board.alarm, name="alarm"),
    path("<uuid:code>/alarm/code-word/", board.raise_code_word, name="raise_code_word"),
    path("<uuid:code>/alarm/rang-mobile/", board.escalate, {"step_name": "rang_mobile"}, name="rang_mobile"),
    path("<uuid:code>/alarm/police-called/", board.escalate, {"step_name": "police_called"}, name="police_called"),
    path("<uuid:code>/alarm/resolved/", board.escalate, {"step_name": "resolved"}, name="alarm_resolved"),
]
