"""Sources: plain generators of messages, with their randomness and clock passed in."""
