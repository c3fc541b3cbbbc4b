"""矛盾纠纷调解: the data."""
