"""Domain services of the application, one folder per area."""
