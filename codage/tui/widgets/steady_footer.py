"""SteadyFooter: Textual's footer, rebuilt only when the keys it shows change.

Textual's ``Footer`` recomposes (removes and mounts one widget per key, then lays out the
whole screen) every time its screen signals that bindings were updated, which happens on
each focus change and each time a modal closes, even when the keys shown stay the same. On
the workbench that is every code applied through the picker: some 10-20 ms of layout on the
path from Enter to the repainted transcript. This footer compares what it would show with
what it shows and skips the rebuild when they are equal.

Textual's footer also cuts its last keys in the middle of a word when they do not fit (at
80 columns "r E" was all that was left of "r Extraire"). This one shows whole keys only:
those that do not fit are left out, the help key last, since help lists them all.
"""

from __future__ import annotations

from collections.abc import Hashable

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Kept to the last when keys must be left out: help lists every key.
LAST_TO_GO = ("help", "app.help")


class SteadyFooter(Footer):
    """A ``Footer`` that does not recompose for bindings it already shows."""

    _shown: Hashable | None = None

    def _keys(self) -> Hashable:
        """Everything of the active bindings that ``Footer.compose`` draws from."""
        app = self.app
        return (
            self._width(),
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

    def _width(self) -> int:
        return self.size.width or self.app.size.width

    def compose(self) -> ComposeResult:
        self._shown = self._keys() if self._bindings_ready else None
        grouped = self._bindings_ready and any(
            binding.group is not None and binding.show
            for (_, binding, _, _) in self.screen.active_bindings.values()
        )
        if grouped:
            # keys of a group are composed inside their container: left as Textual has them
            yield from super().compose()
            return
        widgets = list(super().compose())
        yield from fitting(widgets, self._width(), compact=self.compact)

    def on_resize(self, event: events.Resize) -> None:
        if self._shown is not None and self._keys() != self._shown:
            self.call_after_refresh(self.recompose)

    def bindings_changed(self, screen: Screen) -> None:
        unchanged = self._shown is not None and self.is_attached and screen is self.screen
        if unchanged and self._keys() == self._shown:
            return
        super().bindings_changed(screen)


def key_width(key: FooterKey, *, compact: bool) -> int:
    """Cells a footer key takes: its key, its description and their padding."""
    padding = 1 if compact else 2
    text = f"{key.key_display} {key.description}" if key.description else key.key_display
    return cell_len(text) + padding


def fitting(widgets: list[Widget], width: int, *, compact: bool = True) -> list[Widget]:
    """The footer's widgets that fit in ``width`` cells, whole: keys are left out from
    the last, the help key kept to the end, the command palette's key always kept."""
    keys = [w for w in widgets if isinstance(w, FooterKey)]
    palette = [k for k in keys if k.has_class("-command-palette")]
    # the palette's key is docked right behind a one-cell separator, padded one cell
    room = width - sum(key_width(k, compact=True) + 1 for k in palette)
    shown = [k for k in keys if k not in palette]
    while shown and sum(key_width(k, compact=compact) for k in shown) > room:
        droppable = [k for k in shown if k.action not in LAST_TO_GO] or shown
        shown.remove(droppable[-1])
    kept = set(map(id, shown + palette))
    return [w for w in widgets if not isinstance(w, FooterKey) or id(w) in kept]
