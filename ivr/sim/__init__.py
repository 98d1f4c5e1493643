"""Local stand-ins for Twilio and the Realtime API, for tests, `ivr demo` and the benchmark."""
