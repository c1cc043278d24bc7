from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "talkmedia"
    label = "videos"
    verbose_name = "Speaker videos and final papers"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the answers to the papers app's signals
