"""Every word the service has the bot (or Twilio) say, as Markdown, and the loader that reads it.

- `instructions.md`: the model's session instructions;
- `greeting.md`: the first response's instruction;
- `steps.md`: each tool result's next-step instruction, one `## key` section per step;
- `lines.md`: what the service itself has said outside the tool flow (fillers while a tool runs,
  the line after a reconnect, Twilio's own lines before a transfer or when the line is full).

No Python module outside this folder holds a sentence the bot may say (tests/test_wording.py).
"""
