"""Call records: the `calls` and `call_events` tables, the recorder that writes one call's
transcript, the queries behind `ivr calls`, and the one list of ways a call can turn out."""
