"""wangge benchmarks (`make bench`): each measures wangge and a baseline in the same run against the targets of
the issue's table; see harness.py for how a benchmark module is written."""
