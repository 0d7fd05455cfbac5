"""The batch results store (docs/results-store.md): DIR/results.duckdb plus DIR/parquet/*.parquet.

Only the coordinating process opens the database. Each run's rows (one `runs` row
and its zones, allocations and contributors) go in one transaction, so an
interrupted batch leaves either all of a run or none of it, and `run_key` is the
primary key of `runs`, so nothing is stored twice.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pkplanner.errors import InputError

# table -> [(column, type)]; docs/results-store.md lists them, the rest are extensions
TABLES: dict[str, list[tuple[str, str]]] = {
    "runs": [
        ("run_key", "VARCHAR PRIMARY KEY"),
        ("scenario", "VARCHAR"),
        ("option", "VARCHAR"),
        ("objective", "VARCHAR"),
        ("overrides", "VARCHAR"),          # JSON object: dotted path -> value (all of them)
        ("sample", "INTEGER"),
        ("status", "VARCHAR"),
        ("objective_value", "DOUBLE"),
        ("personnel", "BIGINT"),
        ("cost_per_month", "DOUBLE"),
        ("min_acceptability", "DOUBLE"),
        ("seconds", "DOUBLE"),
        ("error", "VARCHAR"),
        ("kind", "VARCHAR"),               # grid | pareto | pareto_anchor | monte_carlo
        ("scenario_path", "VARCHAR"),      # as written in the spec
        ("grid", "VARCHAR"),               # JSON object: the grid point's overrides only
        ("pareto_axis", "VARCHAR"),
        ("pareto_point", "INTEGER"),
        ("pareto_value", "DOUBLE"),        # the common floor, or the budget
        ("acceptability", "VARCHAR"),      # JSON object: party -> acceptability
        ("n_contributors", "INTEGER"),
        ("mip_gap", "DOUBLE"),
        ("solve_mode", "VARCHAR"),         # rebuild | persistent | none
        ("verified", "BOOLEAN"),           # the verifier passed the plan; null: not checked
    ],
    "zones": [
        ("run_key", "VARCHAR"), ("zone", "VARCHAR"), ("deployed", "BOOLEAN"),
        ("mandate", "VARCHAR"), ("armament", "VARCHAR"), ("personnel", "BIGINT"),
        ("lead", "VARCHAR"),
    ],
    "allocations": [
        ("run_key", "VARCHAR"), ("contributor", "VARCHAR"), ("zone", "VARCHAR"),
        ("unit_type", "VARCHAR"), ("units", "BIGINT"), ("personnel", "BIGINT"),
    ],
    "contributors": [
        ("run_key", "VARCHAR"), ("contributor", "VARCHAR"), ("personnel", "BIGINT"),
        ("share", "DOUBLE"), ("cost_per_month", "DOUBLE"),
    ],
}
ORDER = {
    "runs": "run_key",
    "zones": "run_key, zone",
    "allocations": "run_key, zone, contributor, unit_type",
    "contributors": "run_key, contributor",
}


def columns(table: str) -> list[str]:
    return [c for c, _ in TABLES[table]]


class Store:
    """The coordinator's handle on DIR/results.duckdb."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path))
        except duckdb.IOException as e:
            raise InputError.one(str(path), "", "cannot open the results database (is another "
                                 f"batch writing to this folder?): {e}") from None
        self._create()

    def _create(self) -> None:
        for table, cols in TABLES.items():
            ddl = ", ".join(f"{c} {t}" for c, t in cols)
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({ddl})")
            have = {r[0] for r in self.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                [table]).fetchall()}
            for c, t in cols:                   # a store from an older pkplanner: extend it
                if c not in have:
                    self.con.execute(f"ALTER TABLE {table} ADD COLUMN {c} "
                                     f"{t.replace(' PRIMARY KEY', '')}")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def keys(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT run_key FROM runs").fetchall()}

    def run_rows(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = list(keys)
        if not wanted:
            return {}
        cur = self.con.execute("SELECT * FROM runs WHERE run_key IN "
                               "(SELECT unnest(?::VARCHAR[]))", [wanted])
        names = [d[0] for d in cur.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}

    def add(self, result: dict[str, Any]) -> bool:
        """Store one run's rows in one transaction; False if the run_key is already stored."""
        run = result["run"]
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            if con.execute("SELECT 1 FROM runs WHERE run_key = ?", [run["run_key"]]).fetchone():
                con.execute("ROLLBACK")
                return False
            cols = columns("runs")
            con.execute(f"INSERT INTO runs ({', '.join(cols)}) VALUES "
                        f"({', '.join('?' for _ in cols)})", [run.get(c) for c in cols])
            for table in ("zones", "allocations", "contributors"):
                rows = result.get(table) or []
                if not rows:
                    continue
                cols = columns(table)
                con.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                    f"({', '.join('?' for _ in cols)})",
                    [[run["run_key"] if c == "run_key" else r.get(c) for c in cols]
                     for r in rows])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return True

    def forget_errors(self) -> int:
        """Delete the runs stored as errors (one transaction), so the batch solves them
        again; the number deleted."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            keys = [r[0] for r in con.execute(
                "SELECT run_key FROM runs WHERE status = 'error'").fetchall()]
            for table in ("zones", "allocations", "contributors", "runs"):
                con.execute(f"DELETE FROM {table} WHERE run_key IN "
                            "(SELECT unnest(?::VARCHAR[]))", [keys])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return len(keys)

    def frame(self, table: str, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """A table as a DataFrame (optionally only the given runs), in a stable order."""
        if keys is None:
            return self.con.execute(f"SELECT * FROM {table} ORDER BY {ORDER[table]}").df()
        return self.con.execute(
            f"SELECT * FROM {table} WHERE run_key IN (SELECT unnest(?::VARCHAR[])) "
            f"ORDER BY {ORDER[table]}", [list(keys)]).df()

    def export_parquet(self, folder: Path) -> list[Path]:
        """DIR/parquet/<table>.parquet for every table, each written then renamed."""
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for table in TABLES:
            final = folder / f"{table}.parquet"
            tmp = folder / f".{table}.parquet.tmp"
            target = str(tmp).replace("'", "''")
            self.con.execute(f"COPY (SELECT * FROM {table} ORDER BY {ORDER[table]}) "
                             f"TO '{target}' (FORMAT parquet)")
            os.replace(tmp, final)
            out.append(final)
        return out
