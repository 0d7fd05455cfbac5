"""Shipped inside the package as pkplanner.scenarios (see pyproject.toml, package-dir)."""
