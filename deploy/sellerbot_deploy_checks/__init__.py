"""Offline checks of Seller Bot's deployment files (used by deploy/tests)."""
