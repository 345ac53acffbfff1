"""Opportunities: people buying, or leaving a competitor, with share of voice. Read-only: nothing here
queues a reply."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from listenwell.web.app import render

DAY_CHOICES = (7, 14, 30, 90)


def load_opportunities(store, config, days: int) -> tuple[list[dict], dict | None]:
    from delivery.digest import day_bounds, default_day
    from delivery.share_chart import PALETTE
    from engagement.opportunities import list_opportunities
    from engagement.share_of_voice import share_of_voice

    with store.open() as db:
        found = list_opportunities(config, db, days=days, limit=200) if config.competitors else []
        voice = None
        if config.brand is not None or config.competitors:
            voice = share_of_voice(config, db, day_bounds(default_day(config), config.tz)[1], days=14)
            for index, entity in enumerate(voice["entities"]):
                entity["colour_class"] = f"sov-{index % len(PALETTE)}"
    return found, voice


async def opportunities_page(request: Request):
    from delivery.share_chart import share_chart_svg
    from markupsafe import Markup

    state = request.app.state
    try:
        days = int(request.query_params.get("days", "14"))
    except ValueError:
        days = 14
    days = days if days in DAY_CHOICES else 14
    items, voice = await run_in_threadpool(load_opportunities, state.store, state.config, days)
    chart = Markup(share_chart_svg(voice, inline_style=False)) if voice and voice["total"] else None  # drawn from numbers only
    return render(request, "opportunities.html", title="Opportunities", items=items, days=days,
                  day_choices=DAY_CHOICES, voice=voice, chart=chart,
                  configured=bool(state.config.competitors))


def routes() -> list[Route]:
    return [Route("/opportunities", opportunities_page, methods=["GET"])]
