from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "talkmedia"
    label = "videos"
    verbose_name = "Speaker videos and final papers"
