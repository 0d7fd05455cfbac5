"""Reports a reviewer reads: built from solution documents and the scenario only."""
