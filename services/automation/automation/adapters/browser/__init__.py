"""Playwright adapters: the shared Chromium, accessible names per locale, and one page object per page."""
