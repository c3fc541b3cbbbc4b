"""征求意见: the data."""
