"""突发事件: the data."""
