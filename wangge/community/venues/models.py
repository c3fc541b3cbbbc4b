"""活动场地: the data."""
