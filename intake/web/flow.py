"""The order staff clear the queue in: oldest first, within the queue's filter (reason,
channel), each decision opening the next item; and the items a bulk approval may close."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from intake.report import Item, flagged_items
from intake.web.context import Ctx
from storage.models import Message
from storage.queries import MessageView, message_views

# Queue order: arrival, then message, then the item's own page (a message's flags first).
SortKey = tuple[datetime, int, str]


def all_views(ctx: Ctx) -> list[MessageView]:
    with ctx.app.db.session() as session:
        return list(message_views(session))


def open_items(ctx: Ctx) -> list[Item]:
    return flagged_items(all_views(ctx), ctx.app.form)


def filtered(items: list[Item], reason: str, channel: str) -> list[Item]:
    """The items the queue shows for a reason and a channel ("" for any)."""
    return [
        i
        for i in items
        if (not reason or reason in i.codes) and (not channel or i.message.channel == channel)
    ]


def queue_filter(ctx: Ctx) -> dict[str, str]:
    """The queue's filter, from the query (pages) or the posted form (actions)."""
    found = {}
    for name in ("reason", "channel"):
        value = ctx.form.get(name) or ctx.query(name)
        if value:
            found[name] = value
    return found


def with_filter(path: str, where: dict[str, str]) -> str:
    return f"{path}?{urlencode(where)}" if where else path


def sort_key(message: Message, path: str) -> SortKey:
    return (message.received_at, message.id or 0, path)


def item_after(items: list[Item], current: SortKey) -> Item | None:
    """The item after `current` in queue order, else the first other one (from the top)."""
    later = [i for i in items if sort_key(i.message, i.path) > current]
    if later:
        return later[0]
    return next((i for i in items if i.path != current[2]), None)


def next_path(ctx: Ctx, current: SortKey) -> str | None:
    """Where to go once the current item is decided: the next one under the same filter."""
    where = queue_filter(ctx)
    items = filtered(open_items(ctx), where.get("reason", ""), where.get("channel", ""))
    following = item_after(items, current)
    return with_filter(following.path, where) if following is not None else None


def only_late(items: list[Item]) -> list[Item]:
    """Submissions whose one open reason is lateness: a bulk approval may clear them."""
    return [i for i in items if i.submission is not None and i.codes == ["late"]]
