"""Reproducible performance runs for Kith (`make bench`). They print figures; they are not
pass/fail tests. Results are recorded in docs/performance.md."""
