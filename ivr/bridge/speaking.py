"""Whether the bot is speaking: the one answer turn control, fillers and the hand-over ask.

The bot speaks from the moment one of its responses is created (not one the caller cut off
before it began) until no response is active and every chunk sent to the caller has played or
been cleared; the facts come from `ResponseState` and `PlaybackTracker`, the answer from here.
Pure: the bridge reports the transitions and carries out what they mean.
"""

from __future__ import annotations


class BotVoice:
    def __init__(self) -> None:
        self.speaking = False
        self.quiet_since: float | None = None  # when the bot last fell quiet; None while it speaks

    def response_started(self) -> bool:
        """A response the caller will hear was created; True when the bot was quiet until now."""
        self.quiet_since = None
        if self.speaking:
            return False
        self.speaking = True
        return True

    def settle(self, *, response_active: bool, audio_playing: bool, now: float) -> bool:
        """True when the bot has just fallen quiet: no response active, nothing left to play."""
        if self.speaking and not response_active and not audio_playing:
            self.speaking = False
            self.quiet_since = now
            return True
        return False

    def quiet_for_at_least(self, seconds: float, now: float) -> bool:
        """The bot spoke and has been quiet since for `seconds` (never before its first line)."""
        return self.quiet_since is not None and now - self.quiet_since >= seconds
