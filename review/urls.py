"""Reviewer pages (/review/): invitations, assigned papers, reviews, conflicts."""
from django.urls import path

from .views import reviewer

app_name = "review"

urlpatterns = [
    path("review/", reviewer.my_reviews, name="mine"),
    path("review/invitations/<uuid:token>/", reviewer.accept_invitation, name="accept-invitation"),
    path("review/papers/<int:pk>/", reviewer.paper, name="paper"),
    path("review/papers/<int:pk>/paper.pdf", reviewer.paper_pdf, name="paper-pdf"),
    path("review/papers/<int:pk>/conflict/", reviewer.declare_conflict, name="conflict"),
]
