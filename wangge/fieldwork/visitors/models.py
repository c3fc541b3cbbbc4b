"""访客登记: the data."""
