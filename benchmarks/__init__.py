"""The cold-start benchmark suite: every runtime variant, measured under the project's emulator.

`python -m benchmarks` (or `lambda-native bench`) runs it; `benchmarks/results/` holds what it wrote.
"""
