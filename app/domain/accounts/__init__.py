"""Browser accounts: login, sessions, password change and reset, TOTP."""
