"""sources/cloud."""
