"""Chatwoot, WhatsApp (Evolution), Instagram and Telegram in and out."""
