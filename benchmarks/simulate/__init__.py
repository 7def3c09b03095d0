"""The matching simulator (docs/matching-over-time.md): weeks of a council's
arrivals run through Kith's own services on a simulated clock, under several matching and
alert policies, several seeds each. `python -m benchmarks.simulate` (`make simulate`)."""
