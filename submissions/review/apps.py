from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "submissions.review"
    label = "review"
    verbose_name = "Review and decisions"
