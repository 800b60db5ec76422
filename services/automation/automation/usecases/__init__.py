"""What the API can ask of the automation service, per seller: profiles, tasks, stats and the worker."""
