"""Read-side queries owned by one API each (all SQL still lives under storage/)."""
