"""The guidance conversation: Markdown prompts, the per-call flow, and the tools the model calls."""
