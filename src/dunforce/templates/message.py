"""What rendering gives, and what it refuses: a :class:`Message` or a :class:`RenderError`."""

from __future__ import annotations

import attrs

from dunforce.errors import DunforceError


class RenderError(DunforceError):
    """A template that cannot be rendered with the values given.

    ``template`` names the template, ``variable`` the variable at fault when there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        template: str,
        channel: str | None = None,
        variable: str | None = None,
    ):
        self.message = message
        self.template = template
        self.channel = channel
        self.variable = variable
        where = template if channel is None else f"{template} ({channel})"
        super().__init__(f"template {where}: {message}")

    def __reduce__(self):
        return (_rebuild_render_error, (self.message, self.template, self.channel, self.variable))


def _rebuild_render_error(message, template, channel, variable):
    return RenderError(message, template=template, channel=channel, variable=variable)


@attrs.frozen
class Message:
    """A rendered message: what a channel sends. ``subject`` is ``None`` without a subject."""

    subject: str | None
    body: str
    channel: str
    template: str


__all__ = ["Message", "RenderError"]
