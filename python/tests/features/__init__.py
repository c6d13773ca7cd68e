"""A model set that uses every construct driftlint-sqlalchemy writes: the oracle test's second
model set."""
