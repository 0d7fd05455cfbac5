"""Shipped inside the package as pkplanner.app (see pyproject.toml, package-dir)."""
