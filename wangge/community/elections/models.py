"""评选: the data."""
