"""The vocabulary of constraint families (formulation.md), shared by every stage.

Names only, no model code: the builder, the explanation, the report and a doc test
read this table, so an infeasibility message, a report line and a row name say the
same word. The verifier uses the same names but recomputes everything itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    name: str          # dotted name used in reports: "dominance.max_share"
    number: int        # section number in models/formulation.md
    meaning: str

    @property
    def component(self) -> str:
        """Pyomo component name (dots are not allowed in Pyomo names)."""
        return self.name.replace(".", "_")


FAMILIES: tuple[Family, ...] = (
    Family("one_mandate", 1, "each deployed zone has exactly one mandate"),
    Family("one_armament", 2, "each deployed zone has exactly one armament level"),
    Family("mandate_armament", 3, "the zone's armament lies in its mandate's band"),
    Family("unit_armament", 4, "units serve only where the zone is armed at least as heavily"),
    Family("requirement", 5, "capabilities in a zone meet its mandate's requirement"),
    Family("capacity", 6, "a contributor sends no more units or people than it offers"),
    Family("min_contingent", 7, "a contributor takes part with at least the minimum contingent"),
    Family("veto", 8, "vetoed and excluded contributors are not deployed"),
    Family("dominance.max_share", 9, "no contributor above max_share of the force"),
    Family("dominance.max_share_zone", 9, "no contributor above max_share_zone of a zone"),
    Family("dominance.group_caps", 9, "no group above its cap of the force"),
    Family("dominance.min_contributors", 9, "at least min_contributors take part"),
    Family("dominance.min_contributors_zone", 9, "at least min_contributors_zone in each zone"),
    Family("acceptability", 10, "personnel-weighted acceptability to each party at its floor"),
    Family("armament_acceptability", 11, "weighted armament acceptability at each party's floor"),
    Family("language", 12, "working-language speakers hold the required share of each zone"),
    Family("lead_nation", 13, "each deployed zone has an acceptable lead nation present"),
    Family("size", 14, "total personnel within the option's band"),
    Family("budget", 14, "monthly cost within the budget"),
    Family("qrf", 15, "quick-reaction units can reach every zone that needs them in time"),
)

BY_NAME = {f.name: f for f in FAMILIES}
