"""治安联防监控: the data."""
