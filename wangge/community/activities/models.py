"""社区活动: the data."""
