"""Data-quality thresholds shared by the evidence engine and the dashboard."""

# A period whose value rests on less than this share of its expected raw points is thin:
# the engine lists it as a caveat, the map says so next to the values.
LOW_COVERAGE = 0.8
