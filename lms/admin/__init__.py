"""Running the platform: backup and restore."""
