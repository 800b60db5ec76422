"""Redis, database and external APIs."""
