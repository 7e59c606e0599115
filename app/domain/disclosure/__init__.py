"""Opt-in public disclosure of a round's results: pages and open data (CSV / JSON)."""
