"""The link in a confirmation request: /submissions/email/confirm/<key>/ (the address mails already carry)."""
from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("submissions/email/confirm/<str:key>/", views.confirm, name="confirm"),
]
