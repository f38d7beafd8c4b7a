"""Notifications out: the webhook outbox, fan-out, signed delivery with retries."""
