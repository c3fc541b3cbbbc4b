#!/usr/bin/env python
"""Django's command-line utility for administrative tasks; `wangge` wraps the same."""

from wangge.cli import main

if __name__ == "__main__":
    main()
