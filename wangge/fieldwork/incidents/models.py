"""案事件: the data."""
