"""Marketplace API routes (needs, offers, listings, moderation, reports)."""

urlpatterns: list = []
