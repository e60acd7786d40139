"""Theorem records, one module per paper family.  ``theory.registry`` collects their ``THEOREMS``."""
