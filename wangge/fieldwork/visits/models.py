"""入户走访: the data."""
