"""The queue runner: one shared Chromium per process, one worker per seller, one task per profile at a time."""
