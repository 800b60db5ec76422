"""Password hashing and JWT access/refresh tokens."""
