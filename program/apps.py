from django.apps import AppConfig


class ProgramConfig(AppConfig):
    name = "program"
    verbose_name = "Program"

    def ready(self):
        from . import signals  # noqa: F401  (clears the public page cache on every change)
