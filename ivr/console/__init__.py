"""The dispatchers' console: server-rendered pages under `/console/`, signed in with an account."""
