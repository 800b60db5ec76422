"""One router per resource, gathered in gateway.api.main."""
