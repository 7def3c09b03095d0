"""Fixtures of the notifications tests: GOV.UK Notify as a local HTTP server, driven through
the real client library (tests/kit/notify_server.py)."""

from __future__ import annotations

import pytest

from tests.kit import notify_server


@pytest.fixture
def notify(settings):
    """Kith connected to a Notify account (the local server): the state of what it sent."""
    state, server = notify_server.start()
    settings.NOTIFY_API_KEY = notify_server.API_KEY
    settings.NOTIFY_BASE_URL = state.url
    settings.NOTIFY_EMAIL_TEMPLATE_ID = notify_server.TEMPLATES["email"]
    settings.NOTIFY_SMS_TEMPLATE_ID = notify_server.TEMPLATES["sms"]
    settings.NOTIFY_LETTER_TEMPLATE_ID = notify_server.TEMPLATES["letter"]
    settings.NOTIFY_RECEIPT_TOKEN = "receipt-token-for-tests"  # noqa: S105
    settings.NOTIFY_INBOUND_TOKEN = "inbound-token-for-tests"  # noqa: S105
    settings.KITH_BASE_URL = "https://kith.example.gov.uk"
    yield state
    server.shutdown()
    server.server_close()


from tests.kit.console_people import (  # noqa: E402, F401 - fixtures
    citizen,
    council_admin,
    helper,
    home_council,
    moderator,
    safeguarding_lead,
)
