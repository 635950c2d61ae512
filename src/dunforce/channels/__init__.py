"""Channels: the registry of ways to act on an account (SMS, e-mail, letter, call, …)."""

from dunforce.channels.registry import AUTOMATIC, DEFAULT_CHANNELS, TASK, Channel, ChannelRegistry

__all__ = ["AUTOMATIC", "DEFAULT_CHANNELS", "TASK", "Channel", "ChannelRegistry"]
