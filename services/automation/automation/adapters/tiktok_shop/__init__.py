"""TikTok Shop Open API (202309): partner authorisation, signed requests, products, orders and tracking."""
