"""The AI seller: intents, grounded replies, context, handoff, stats and config."""
