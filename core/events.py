"""Domain events: something happened, announced inside the transaction that made it happen.

A room low in the stack cannot call a room above it, but a room above may need to react in
the same transaction (the notifications room writes who must be told beside the change, so a
message is never promised by a change that rolled back, nor lost by one that committed). So
the room below announces and the room above listens: `happened` is sent with an `Event`.

Every audit row is an event (`core.audit.audit_record` announces it after writing it); the
few events that are not audited — a helper chosen for an urgent alert, say — are announced
with `announce` directly. Receivers run in the announcer's transaction: one that must not be
able to undo the change runs its work in a savepoint and logs its own failures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import kombu.exceptions
import redis.exceptions
from django.dispatch import Signal

happened = Signal()

#: What handing a task to a broker that cannot be reached raises. Work handed over after a
#: commit catches these (and only these: a fault in the task itself must still surface) and
#: leaves its record for a beat job to pick up.
BROKER_DOWN = (kombu.exceptions.KombuError, redis.exceptions.RedisError, OSError)


@dataclass(frozen=True, slots=True)
class Event:
    verb: str
    target_type: str = ""
    target_id: int | None = None
    actor_id: int | None = None
    council_id: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    #: The audit row this event was recorded as, if it was: one event, one id.
    audit_id: int | None = None


def announce(event: Event) -> None:
    happened.send(sender=Event, event=event)
