"""The per-call bridge between Twilio Media Streams and the Realtime API, one job per module.

- `call`: `CallBridge`, one per call, creates the parts below and wires them to the two sockets;
  `BridgeConfig`.
- `connection`: the Realtime socket: opened, configured, read, re-opened after a drop.
- `realtime_client`: how a socket is made (aiohttp's client WebSocket with the URL and headers of the
  openai SDK's client, or the SDK's own connection; OpenAI or Azure) and `RealtimeConfig`.
- `frame_tap`: a socket's frames handled as they are read (audio, marks, keys), the rest to aiohttp
  in order; used on both sockets.
- `events`: which part handles each Realtime server event.
- `audio`: audio both ways, unchanged μ-law, with a mark every 100 ms of audio and at an item's end.
- `playback`: what the caller has actually heard, from Twilio's mark echoes.
- `responses`: when the model may speak: one response at a time, queued answers, cancels.
- `speaking`: whether the bot is speaking.
- `turn_actions`: turn control's decisions (ivr/turn) carried out: interrupt, respond, discard.
- `tool_runner`: the model's tool calls, off the audio path, with a time limit and fillers.
- `handover`: when a call goes to a dispatcher or ends (a pure policy); `handover_actions` does it.
- `transfer`: Twilio's REST API for that, and `TwilioConfig`.
- `session_config`: the `session.update` and `response.create` events.
- `clock`, `call_log`, `metrics`, `twilio_socket`: time and timers, log lines, Prometheus metrics,
  and the Twilio socket as the bridge writes to it.
"""
