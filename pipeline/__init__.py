"""lip: the docs-as-code pipeline for Hannover's Lokaler Integrationsplan."""

__version__ = "0.2.0"
