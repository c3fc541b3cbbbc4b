"""议事会议: the data."""
