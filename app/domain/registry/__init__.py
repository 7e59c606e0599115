"""Case registries: import into the database, listing, retention purge."""
