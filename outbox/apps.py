from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    # The outbox began inside the project package; keeping its label keeps its table
    # (personal_site_outboundmail), its migration history and its admin address unchanged.
    label = "personal_site"
    verbose_name = "Outbox"
