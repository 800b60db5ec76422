"""Thin NATS subscribers and publishers."""
