"""The independent checker: recomputes every rule from the scenario and a plan, sharing no
code with the model builder."""
