"""Users of the dashboard (sellers and admins): the only data the gateway owns."""
