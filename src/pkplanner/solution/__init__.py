"""solution.json: its schema, reading one back (and re-resolving its scenario), and the
solution-level metrics every view reads."""
