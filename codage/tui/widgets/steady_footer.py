"""SteadyFooter: Textual's footer, rebuilt only when the keys it shows change.

Textual's ``Footer`` recomposes (removes and mounts one widget per key, then lays out the
whole screen) every time its screen signals that bindings were updated, which happens on
each focus change and each time a modal closes, even when the keys shown stay the same. On
the workbench that is every code applied through the picker: some 10-20 ms of layout on the
path from Enter to the repainted transcript. This footer compares what it would show with
what it shows and skips the rebuild when they are equal.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class SteadyFooter(Footer):
    """A ``Footer`` that does not recompose for bindings it already shows."""

    _shown: Hashable | None = None

    def _keys(self) -> Hashable:
        """Everything of the active bindings that ``Footer.compose`` draws from."""
        app = self.app
        return (
            self.compact,
            self.show_command_palette,
            tuple(
                (
                    key,
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    binding.show,
                    id(binding.group),
                    enabled,
                    tooltip,
                )
                for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
            ),
        )

    def compose(self) -> ComposeResult:
        self._shown = self._keys() if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        unchanged = self._shown is not None and self.is_attached and screen is self.screen
        if unchanged and self._keys() == self._shown:
            return
        super().bindings_changed(screen)
