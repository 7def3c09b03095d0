"""What the marketplace announces to the rooms above it, which listen without the marketplace
knowing them (`matching` alerts helpers when an urgent need opens)."""

from django.dispatch import Signal

# Sent inside the transaction that makes a need open, with `need`. Receivers that do work
# outside the database defer it with `transaction.on_commit`.
need_opened = Signal()
