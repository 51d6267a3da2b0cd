"""The home page each role lands on."""
