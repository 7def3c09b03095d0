"""Project-wide wiring that needs the app registry: security signal receivers and the
slow-query logger."""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db import connections
from django.db.backends.signals import connection_created

from core.db import install_slow_query_logger


class KithConfig(AppConfig):
    name = "config"
    label = "kith_config"
    verbose_name = "Kith project configuration"

    def ready(self) -> None:
        # Here, not at the top: they import models, which need the app registry ready. They
        # connect signal receivers: the sign-in log's, and the API token cache's (every
        # process, workers included, drops a cached token at once when it is deleted or its
        # person saved: suspended, deactivated, erased).
        from . import (  # noqa: F401, PLC0415
            authentication,
            schema,  # noqa: F401, PLC0415 - how the API's sign-ins read in the schema
            security,
        )

        connection_created.connect(install_slow_query_logger, dispatch_uid="kith_slow_query")
        # Connections opened before the app registry was ready (rare) get it too.
        for conn in connections.all(initialized_only=True):
            install_slow_query_logger(sender=None, connection=conn)


class KithAdminConfig(AdminConfig):
    """The Django admin, on Kith's admin site: signed in through Kith's own sign-in (its rate
    limits and the second factor), never through the admin's own password form."""

    default_site = "config.admin_site.KithAdminSite"
