"""Accounts: password hashing and user administration."""
