"""Matching API routes (rankings, matches, messages, feedback)."""

urlpatterns: list = []
