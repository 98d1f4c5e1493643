"""The per-call bridge between Twilio Media Streams and the Realtime API."""
