"""The rule vocabulary: each constraint family's name, meaning and catalog entry, and the
structured relaxations an explanation proposes. No pyomo, no pandas: every stage reads it."""
