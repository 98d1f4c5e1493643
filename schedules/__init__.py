"""The schedule store: models, dispatchers' loading, and the kana readings drivers will hear."""
