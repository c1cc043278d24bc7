from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    label = "review"
    verbose_name = "Review and decisions"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the answers to the papers app's signals
