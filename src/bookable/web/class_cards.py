"""The timetable's classes rendered one by one. A class as an anonymous visitor sees it has no form
(so no token) and depends only on what its key holds: it is remembered, as the BRP timetable
remembers its activities by their rows. A week is read far more often than it changes, and
rendering its classes was most of a page's cost. A logged-in member's classes carry their own
forms and tokens, and are rendered every time."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from markupsafe import Markup

from bookable.web.classes import ClassCard
from bookable.web.rendering import render

REMEMBERED = 20_000


class RememberedCards:
    def __init__(self, size: int = REMEMBERED) -> None:
        self.size = size
        self._cards: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Markup | None:
        with self._lock:
            found = self._cards.get(key)
            if found is not None:
                self._cards.move_to_end(key)
            return found

    def put(self, key: Hashable, card: Markup) -> None:
        with self._lock:
            self._cards[key] = card
            while len(self._cards) > self.size:
                self._cards.popitem(last=False)


_anonymous = RememberedCards()


def _key(language: str, context: dict[str, Any], item: ClassCard) -> Hashable:
    """Everything an anonymous visitor's class shows (it has no form, so no one-time token)."""
    return (language, context["site"], context["shown"], context["here"], context["focus"] == item.row.id,
            item.row, item.options, item.free, item.capacity, item.waiting, tuple(item.dates))


def rendered(language: str, context: dict[str, Any], items: list[ClassCard]) -> list[Markup]:
    if context["session"].logged_in:
        return [Markup(render(language, "_one_class.html", {**context, "item": item})) for item in items]
    cards = []
    for item in items:
        key = _key(language, context, item)
        card = _anonymous.get(key)
        if card is None:
            card = Markup(render(language, "_one_class.html", {**context, "item": item}))
            _anonymous.put(key, card)
        cards.append(card)
    return cards
