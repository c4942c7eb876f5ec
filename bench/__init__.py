"""Issue 6 benchmark: mttq against the fastexcel floor and a naive peer (python -m bench.run)."""
