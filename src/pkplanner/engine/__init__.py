"""The only stage that imports pyomo or highspy: model data, the builder, the HiGHS adapter,
the start heuristic, solving, reading back, explanations and sensitivity."""
