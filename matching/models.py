"""Matching: candidate search, scoring, matches, messages, feedback, alerts and rounds."""
