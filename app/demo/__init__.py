"""The ``tianping demo`` round: synthetic but realistic data, run through the real code paths."""
