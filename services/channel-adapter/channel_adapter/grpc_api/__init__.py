"""Thin gRPC servicers: proto <-> domain."""
