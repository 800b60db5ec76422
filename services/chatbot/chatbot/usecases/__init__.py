"""How a conversation is served: a turn answered (understanding, reply, delivery), handed over to a human and
back, converted; the service layer between the transports (gRPC, NATS) and the pure domain."""
