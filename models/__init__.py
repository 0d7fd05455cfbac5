"""Shipped inside the package as pkplanner.models (see pyproject.toml, package-dir)."""
