"""NATS publishers of the automation service (bot.task.*, bot.worker.*, bot.profile.login_state)."""
