from django.urls import path

from . import views

app_name = "speakers"

urlpatterns = [
    path("people/profile/<str:token>/", views.profile, name="profile"),
]
