"""Organizer area (/organizer/) and reviewer pages (/review/)."""
from django.urls import path

from .views import organizer, reviewer

app_name = "review"

urlpatterns = [
    path("organizer/", organizer.editions, name="editions"),
    path("organizer/outbox/", organizer.outbox, name="outbox"),
    path("organizer/outbox/<int:pk>/resend/", organizer.outbox_resend, name="outbox-resend"),
    path("organizer/<slug:edition>/", organizer.submission_table, name="table"),
    path("organizer/<slug:edition>/submissions.csv", organizer.submissions_csv, name="csv"),
    path("organizer/<slug:edition>/papers.zip", organizer.papers_zip, name="zip"),
    path("organizer/<slug:edition>/papers/<int:pk>/", organizer.paper, name="organizer-paper"),
    path("organizer/<slug:edition>/reviewers/", organizer.reviewers, name="reviewers"),
    path("organizer/<slug:edition>/decisions/", organizer.decisions, name="decisions"),
    path("organizer/<slug:edition>/decisions/release/", organizer.decisions_release, name="release"),
    path("organizer/<slug:edition>/decisions/<int:pk>/preview/", organizer.decision_preview, name="preview"),
    path("organizer/<slug:edition>/templates/<str:outcome>/", organizer.decision_template, name="template"),
    path("review/", reviewer.my_reviews, name="mine"),
    path("review/invitations/<uuid:token>/", reviewer.accept_invitation, name="accept-invitation"),
    path("review/papers/<int:pk>/", reviewer.paper, name="paper"),
    path("review/papers/<int:pk>/paper.pdf", reviewer.paper_pdf, name="paper-pdf"),
    path("review/papers/<int:pk>/conflict/", reviewer.declare_conflict, name="conflict"),
]
