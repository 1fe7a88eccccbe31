"""Luukku's server: settings, storage, the domain core, the bus and the JSON API."""
