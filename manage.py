#!/usr/bin/env python3
"""Django's command-line utility for Šalter; `salter` is the same with a shorter name."""

from salter.cli import main

if __name__ == "__main__":
    main()
