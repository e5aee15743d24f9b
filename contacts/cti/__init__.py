"""CTI: the inbound call webhook, screen pops for the ringing extension's agent, and calls
logged on the contact's timeline. The webhook contract is in docs/cti.md."""
