"""Inputs: the scenario schema (every field described), loading and overrides, resolving a
planning option, and the zone network."""
