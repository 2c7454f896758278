"""Telling people what changed: the delivery worker reads the outbox (the events table) and
delivers each event through every channel (webhooks, email) at least once (docs/notifications.md)."""
