"""The runbooks' application (users, jobs, settings, discovery queries and prospects), as its
SQLAlchemy models: the oracle test's first model set."""
