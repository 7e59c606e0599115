"""Certificates: verification and lifecycle."""
