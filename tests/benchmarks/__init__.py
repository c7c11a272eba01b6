"""Tests of the benchmark suite (`benchmarks/` at the repository root) and its harness."""
