"""sources/cloud/baseline."""
