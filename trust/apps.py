from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = "Trust: helper checks, blocks, reports, concerns and suspensions"
