"""A council with postcodes and residents onboarded through the pages' services
(tests/kit/web.py)."""

from tests.kit.web import befriending, citizen, helper, moderator, place  # noqa: F401 - fixtures
