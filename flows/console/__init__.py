"""The operator console (`mttq console`): see app.py."""
