"""`make bench` / `python -m bench [B1 B2 …] [--record]`: run the benchmarks (all, or the named ones) against a
fresh `wangge_bench` PostgreSQL database and print one table; exit 1 when a target is missed."""

import argparse
import sys

from bench import harness


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run: B2, 2, b2_locate or locate (default: all)")
    parser.add_argument("--record", action="store_true", help="append this run to bench/RESULTS.md")
    parser.add_argument("--keep-db", action="store_true", help="keep the wangge_bench database after the run")
    args = parser.parse_args()
    return harness.run(args.names, save=args.record, keep_db=args.keep_db)


if __name__ == "__main__":
    sys.exit(main())
