"""Batch solves for researchers: the spec, the plan of runs, the worker and coordinator, the
results store and the batch report."""
