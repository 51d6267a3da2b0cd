"""Activity types: the plugin contract, the registry and the built-in types.

A type never imports the platform's models: it validates and renders its own authored
configuration and returns outcomes. That is why this package sits before `catalog` in the
import order: the catalogue and the package importer consume the registry.
"""
