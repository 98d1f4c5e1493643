"""The aiohttp service: Twilio webhook, media socket, health and metrics."""
