"""L1 triage: obvious-cause rules as data, the diagnosis engine, portal deflection and
the connectivity probe."""
