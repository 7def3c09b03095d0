"""Password rules: 8 to 64 characters, 15 or more for staff, common passwords refused."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def _errors(password, user=None) -> list[str]:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return exc.messages
    return []


def test_citizen_needs_eight_characters():
    citizen = make.UserFactory()
    assert any("at least 8" in m for m in _errors("kx7#qw2", citizen))
    assert _errors("kx7#qw2b", citizen) == []


def test_staff_need_fifteen_characters():
    staff = make.StaffFactory().user
    messages = _errors("tangerine-kite", staff)  # 14 characters
    assert messages == ["Council staff need a password of at least 15 characters."]
    assert _errors("tangerine-kites", staff) == []


def test_superuser_needs_fifteen_characters():
    admin = make.UserFactory(is_superuser=True, is_staff=True)
    assert _errors("tangerine-kite", admin)
    assert _errors("tangerine-kites", admin) == []


def test_up_to_64_characters_allowed():
    citizen = make.UserFactory()
    assert _errors("correct horse battery staple " * 2 + "abcdef", citizen) == []  # 64
    messages = _errors("correct horse battery staple " * 2 + "abcdefg", citizen)  # 65
    assert messages == ["Your password can be at most 64 characters long."]


def test_common_passwords_refused():
    citizen = make.UserFactory()
    assert "This password is too common." in _errors("password1", citizen)
    assert "This password is too common." in _errors("iloveyou", citizen)


def test_demo_staff_passwords_meet_the_staff_rule():
    from demo.people import DEMO_ACCOUNTS

    staff_roles = {"moderator", "safeguarding_lead", "council_admin"}
    for account in DEMO_ACCOUNTS:
        if account.role in staff_roles:
            assert len(account.password) >= 15, account.email
