"""`make bench`: run every benchmark in this folder and print its figures."""

import sys

from bench import locate


def main() -> int:
    results = [locate.run()]
    failed = [r for r in results if not r["ok"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
