from django.apps import AppConfig


class OrganizerConfig(AppConfig):
    """The organizer area's pages; it owns no data, it shows and drives the other apps' services."""

    name = "organizer"
    verbose_name = "Organizer area"
