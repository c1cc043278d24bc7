"""The organizer area: /organizer/ (submissions, reviewers, decisions, outbox) and /videos/organizer/ (talk media)."""
from django.urls import path

from .views import mail_previews, outbox, review, talk_media

app_name = "organizer"

urlpatterns = [
    path("organizer/", review.editions, name="editions"),
    path("organizer/outbox/", outbox.outbox, name="outbox"),
    path("organizer/outbox/<int:pk>/resend/", outbox.outbox_resend, name="outbox-resend"),
    path("organizer/mail/", mail_previews.mail_previews, name="mail-previews"),
    path("organizer/mail/<str:kind>/", mail_previews.mail_preview, name="mail-preview"),
    path("organizer/<slug:edition>/", review.submission_table, name="table"),
    path("organizer/<slug:edition>/submissions.csv", review.submissions_csv, name="csv"),
    path("organizer/<slug:edition>/papers.zip", review.papers_zip, name="zip"),
    path("organizer/<slug:edition>/papers/<int:pk>/", review.paper, name="paper"),
    path("organizer/<slug:edition>/reviewers/", review.reviewers, name="reviewers"),
    path("organizer/<slug:edition>/decisions/", review.decisions, name="decisions"),
    path("organizer/<slug:edition>/decisions/release/", review.decisions_release, name="release"),
    path("organizer/<slug:edition>/decisions/<int:pk>/preview/", review.decision_preview, name="preview"),
    path("organizer/<slug:edition>/templates/<str:outcome>/", review.decision_template, name="template"),
    path("videos/organizer/<slug:edition>/", talk_media.overview, name="media"),
    path("videos/organizer/<slug:edition>/talks/<uuid:uid>/", talk_media.talk_action, name="media-action"),
]
