"""Twilio-facing pieces: request signatures, TwiML, one-time stream tokens, Media Streams frames."""
