"""TikTok Seller Center automation: profiles, tasks and the Playwright worker."""
