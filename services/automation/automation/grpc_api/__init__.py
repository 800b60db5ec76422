"""gRPC face of the automation service: thin servicers translating proto ↔ use cases."""
