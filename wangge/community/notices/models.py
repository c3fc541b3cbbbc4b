"""通知公告: the data."""
