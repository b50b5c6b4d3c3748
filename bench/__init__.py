"""Benchmarks of imageapp, run by hand (``python -m bench.run``); never part of the tests."""
