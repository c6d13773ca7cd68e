"""Models written the SQLAlchemy 1.x way (declarative_base, Column), all in one schema set on the
MetaData, with a zoo of column types: the oracle test's third model set."""
