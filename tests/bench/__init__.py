"""Benchmarks: ``python -m tests.bench.bench_NAME`` each; ``make bench`` runs them all."""
