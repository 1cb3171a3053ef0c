"""The bottom layer: records, settings, tuned constants, errors, offline defaults and shared text rules."""
