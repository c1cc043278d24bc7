"""Author URLs, under /submissions/."""
from django.urls import path

from .views import author, files

app_name = "submissions"

urlpatterns = [
    path("", author.my_submissions, name="mine"),
    path("new/<slug:edition>/", author.submission_new, name="new"),
    path("<int:pk>/", author.submission_detail, name="detail"),
    path("<int:pk>/edit/", author.submission_edit, name="edit"),
    path("<int:pk>/withdraw/", author.submission_withdraw_view, name="withdraw"),
    path("<int:pk>/versions/<int:version_id>/paper.pdf", files.paper_download, name="download"),
]
