"""The read replica: reads a caller marked as tolerant of lag (`core.db.lag_tolerant`) go to
`DATABASES["replica"]` (`DATABASE_REPLICA_URL`); every other read, and every write, goes to
the primary. Without a replica configured, everything stays on the primary.

Opt-in rather than "all reads to the replica": most of Kith's reads are a person looking at
what they have just done, which a replica a few seconds behind would not show yet. Even a
marked read stays on the primary inside a transaction, and once its request or task has
written (`core.db.replica_alias`).
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS

from core.db import REPLICA, lag_tolerant_reads, replica_alias


class LagTolerantRouter:
    def db_for_read(self, model, **hints) -> str | None:
        if lag_tolerant_reads():
            return replica_alias()
        return None  # Django's default: the primary, or the instance's own database

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The same rows on both: an object read from the replica may be related to, and
        # saved on, the primary.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        # The replica follows the primary's WAL: it is never migrated on its own.
        if db == REPLICA:
            return False
        return None
