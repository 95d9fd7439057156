"""codage's benchmarks: `python -m benchmarks` runs them all and writes the report."""
