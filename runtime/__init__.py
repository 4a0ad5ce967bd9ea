"""Running dondoc: the embedded Temporal dev server, activation of plans, simulation."""
