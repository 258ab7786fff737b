#!/usr/bin/env python3
"""Prove and measure persistence at CloudFront. See `python verify.py --help`."""
import sys

from edge_persist.verify.cli import main

if __name__ == "__main__":
    sys.exit(main())
