"""Local infrastructure for Seller Bot: find or start PostgreSQL, Redis and NATS; launch the stack."""
