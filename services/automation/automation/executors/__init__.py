"""Task executors: one per task type behind the same seam (browser today, official API tomorrow)."""
