"""The guidance conversation: one call's flow state, the tools the model calls, and how their
results become the next step's words (from the Markdown prompts in ivr/prompts/)."""
