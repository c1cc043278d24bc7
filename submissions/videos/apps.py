from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "submissions.videos"
    label = "videos"
    verbose_name = "Speaker videos and final papers"
