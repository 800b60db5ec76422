"""Seller Bot API gateway."""
