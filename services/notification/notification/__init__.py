"""Real-time notifications per user, fed by NATS."""
