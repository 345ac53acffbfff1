"""The daily listening digest: gather a day's numbers and actions, render HTML and plain text.

Post text is untrusted: every template autoescapes, and the chart is drawn from numbers only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from delivery.links import safe_url
from delivery.share_chart import colour, share_chart_svg
from engagement.emerging import emerging_terms
from engagement.opportunities import list_opportunities
from engagement.share_of_voice import share_of_voice
from engagement.queue import list_queue
from engagement.reach_out import reach_out_list
from engagement.replies import excerpt
from delivery.bidi import bdi, isolate
from engagement.wording import intent_label, language_note
from storage.db import Database

_env = Environment(
    loader=PackageLoader("delivery", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2", "html"), default_for_string=True, default=False),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["safe_url"] = safe_url  # post URLs come from feeds and APIs: only http(s) becomes a link
_env.filters["bdi"] = bdi  # user text in HTML: its own direction, never reordering what follows
_env.filters["isolate"] = isolate  # the same in plain text


@dataclass
class DigestFiles:
    html: Path
    text: Path
    day: date


def day_bounds(day: date, tz) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def default_day(config) -> date:
    return config.now().astimezone(config.tz).date()


def _counts(db: Database, start: datetime, end: datetime) -> dict[str, Any]:
    row = db.con.execute(
        """SELECT count(*) AS posts,
                  count(*) FILTER (WHERE t.addressed_to_us) AS inbound,
                  count(*) FILTER (WHERE t.addressed_to_us AND list_contains(t.intents, 'question')) AS questions,
                  count(*) FILTER (WHERE list_contains(t.intents, 'complaint') AND t.addressed_to_us) AS complaints,
                  count(*) FILTER (WHERE t.sentiment_label = 'negative') AS negative,
                  count(*) FILTER (WHERE t.sentiment_label = 'positive') AS positive,
                  avg(t.sentiment_score) AS mean_sentiment,
                  -- not read by the English models: other languages, and posts whose language is undetermined
                  count(*) FILTER (WHERE t.lang IS NOT NULL AND t.lang <> 'en') AS not_scored
           FROM posts p LEFT JOIN tags t ON t.seq = p.seq  -- the integer key: cheaper than post_uid
           WHERE p.created_at >= $start AND p.created_at < $end AND NOT coalesce(t.from_us, false)""",
        {"start": start, "end": end},
    ).fetchone()
    names = ("posts", "inbound", "questions", "complaints", "negative", "positive", "mean_sentiment", "not_scored")
    return dict(zip(names, row))


def _change(now: int, before: int) -> str:
    if before == 0:
        return "new" if now else "±0"
    pct = (now - before) / before * 100
    return f"{pct:+.0f}%"


def _daily_series(db: Database, end: datetime, days: int, tz) -> list[dict[str, Any]]:
    start = end - timedelta(days=days)
    rows = db.con.execute(
        """SELECT CAST(timezone($tz, p.created_at) AS DATE) AS day, count(*) AS posts,
                  count(*) FILTER (WHERE t.sentiment_label = 'negative') AS negative,
                  count(*) FILTER (WHERE t.sentiment_label = 'positive') AS positive
           FROM posts p LEFT JOIN tags t ON t.seq = p.seq  -- the integer key: cheaper than post_uid
           WHERE p.created_at >= $start AND p.created_at < $end
           GROUP BY 1""",
        {"start": start, "end": end, "tz": str(tz)},
    ).fetchall()
    by_day = {r[0]: r for r in rows}
    series = []
    for i in range(days):
        d = (start + timedelta(days=i)).astimezone(tz).date()
        r = by_day.get(d)
        series.append({"day": d, "posts": r[1] if r else 0, "negative": r[2] if r else 0, "positive": r[3] if r else 0})
    return series


def chart_svg(series: list[dict[str, Any]], width: int = 560, height: int = 140) -> str:
    """Volume bars with positive/negative stacked inside; numbers only, so nothing to escape."""
    top = max([s["posts"] for s in series] + [1])
    gap = 4
    bar = (width - gap * (len(series) + 1)) / max(len(series), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 18}" '
             f'viewBox="0 0 {width} {height + 18}" style="max-width:100%;height:auto;" role="img" '
             f'aria-label="Posts per day, last {len(series)} days">']
    for i, s in enumerate(series):
        x = gap + i * (bar + gap)
        h_total = s["posts"] / top * height
        h_neg = s["negative"] / top * height
        h_pos = s["positive"] / top * height
        parts.append(f'<rect x="{x:.1f}" y="{height - h_total:.1f}" width="{bar:.1f}" height="{h_total:.1f}" fill="#cbd5e1"/>')
        parts.append(f'<rect x="{x:.1f}" y="{height - h_pos:.1f}" width="{bar:.1f}" height="{h_pos:.1f}" fill="#22c55e"/>')
        parts.append(f'<rect x="{x:.1f}" y="{height - h_pos - h_neg:.1f}" width="{bar:.1f}" height="{h_neg:.1f}" fill="#ef4444"/>')
        if i % 2 == 0 or len(series) <= 8:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height + 13}" font-size="9" text-anchor="middle" '
                         f'fill="#64748b">{s["day"].day}/{s["day"].month}</text>')
    parts.append("</svg>")
    return "".join(parts)


def gather(config, db: Database, day: date) -> dict[str, Any]:
    tz = config.tz
    start, end = day_bounds(day, tz)
    today = _counts(db, start, end)
    yesterday = _counts(db, start - timedelta(days=1), start)
    last_week = _counts(db, start - timedelta(days=7), end - timedelta(days=7))
    headline = []
    for key, label in (("posts", "posts heard"), ("inbound", "addressed to us"), ("questions", "questions"),
                       ("complaints", "complaints"), ("negative", "negative posts"),
                       ("not_scored", "not in English")):
        headline.append({"label": label, "value": today[key], "vs_day": _change(today[key], yesterday[key]),
                         "vs_week": _change(today[key], last_week[key])})
    series = _daily_series(db, end, 14, tz)

    reach = [r.to_dict() for r in reach_out_list(config, db, limit=config.digest.top_n)]
    queue = list_queue(db, "pending", limit=config.digest.top_n)
    for item in queue:
        item["post_excerpt"] = excerpt(item.get("evidence") or item["post_text"], 140)
        item["intent_label"] = intent_label(item["intent"])
        item["language_note"] = language_note(item.get("lang"))
    alerts, alerts_total, alert_people = _alerts(db, start, end, config.digest.top_n)
    clients = db.rows(
        """SELECT pe.name, pe.tier, count(p.post_uid) AS posts_7d,
                  max(p.created_at) AS last_post, avg(t.sentiment_score) AS mean_sentiment,
                  any_value(pa.last_interaction_at) AS last_interaction
           FROM people pe
           LEFT JOIN identities i ON i.person_id = pe.person_id
           LEFT JOIN posts p ON p.author_uid = i.identity_uid AND p.created_at >= $week AND p.created_at < $end
           LEFT JOIN tags t ON t.seq = p.seq  -- the integer key: cheaper than post_uid
           LEFT JOIN person_activity pa ON pa.person_id = pe.person_id
           WHERE pe.is_key_client
           GROUP BY pe.person_id, pe.name, pe.tier
           ORDER BY pe.tier, pe.name""",
        {"week": end - timedelta(days=7), "end": end},
    )
    topics = db.rows(
        """WITH daily AS (
               SELECT topic, CAST(timezone($tz, p.created_at) AS DATE) AS day, count(*) AS n
               FROM tags t JOIN posts p ON p.seq = t.seq, UNNEST(t.topics) AS u(topic)
               WHERE p.created_at >= $base AND p.created_at < $end
               GROUP BY ALL)
           SELECT topic,
                  coalesce(sum(n) FILTER (WHERE day = $day), 0) AS today,
                  coalesce(sum(n) FILTER (WHERE day < $day), 0) / 14.0 AS daily_avg
           FROM daily GROUP BY topic ORDER BY today DESC, daily_avg DESC LIMIT 8""",
        {"tz": str(tz), "base": start - timedelta(days=14), "end": end, "day": day},
    )
    for t in topics:
        t["emerging"] = t["today"] >= 3 and t["today"] > 2 * max(t["daily_avg"], 0.5)
    # free keyphrases (not only configured topics) unusual today against the previous 14 days
    emerging = emerging_terms(db.con, day, tz=str(tz), topics=config.topics, window=14)
    notable = db.rows(
        """SELECT p.text, p.url, p.platform, coalesce(i.display_name, i.handle) AS author, t.sentiment_score
           FROM posts p JOIN tags t ON t.seq = p.seq JOIN identities i ON i.identity_uid = p.author_uid
           WHERE p.created_at >= $start AND p.created_at < $end AND NOT t.from_us AND t.sentiment_score IS NOT NULL
           ORDER BY abs(t.sentiment_score) DESC, p.created_at DESC LIMIT 5""",
        {"start": start, "end": end},
    )
    for n in notable:
        n["excerpt"] = excerpt(n["text"], 200)
    actions = _actions(reach, queue, alerts)
    brand = _brand_sections(config, db, end)
    from storage.usage import budget_notices  # a platform's budget that stopped its streams (issue 21)

    return brand | {
        "notices": budget_notices(config, db, config.now()),
        "me": config.me.name, "day": day, "generated_at": config.now().astimezone(tz),
        "headline": headline, "chart_svg": chart_svg(series), "series": series,
        "actions": actions, "reach_out": reach, "queue": queue, "alerts": alerts, "alerts_total": alerts_total,
        "alerts_more": alerts_total - sum(1 + a["more_from_them"] for a in alerts),
        "alerts_more_people": alert_people - len(alerts), "clients": clients,
        "topics": topics, "emerging_terms": emerging, "notable": notable, "timezone": str(tz),
    }


# which of someone's alerts stands for the rest: news before a complaint before a question
# (churn talk first: it is the most urgent thing a key client can say)
_ALERT_RULE_ORDER = "CASE rule WHEN 'key_client_churn' THEN -1 WHEN 'key_client_moment' THEN 0 " \
                    "WHEN 'key_client_negative' THEN 1 WHEN 'key_client_question' THEN 2 " \
                    "WHEN 'key_client_competitor' THEN 2.5 ELSE 3 END"


def _alerts(db: Database, start: datetime, end: datetime, limit: int) -> tuple[list[dict[str, Any]], int, int]:
    """The day's alerts, one line per person (their weightiest, with how many more they raised), key
    clients first, at most ``limit`` lines; and the day's totals of alerts and of people (or spikes).

    A client who posts 300 complaints in a day is one line with a count, not 300 lines: each alert
    already went out on its own when it was raised."""
    rows = db.rows(
        f"""WITH today AS (
                SELECT *, count(*) OVER who AS from_them,
                       row_number() OVER (who ORDER BY {_ALERT_RULE_ORDER}, created_at, alert_id) AS nth
                FROM alerts WHERE created_at >= $start AND created_at < $end
                WINDOW who AS (PARTITION BY coalesce(person_id, alert_id)))
            SELECT title, reason, url, created_at, from_them - 1 AS more_from_them, count(*) OVER () AS people,
                   sum(from_them) OVER () AS total
            FROM today WHERE nth = 1
            ORDER BY priority, {_ALERT_RULE_ORDER}, from_them DESC, created_at, alert_id LIMIT $limit""",
        {"start": start, "end": end, "limit": limit},
    )
    if not rows:
        return [], 0, 0
    lines = [{k: v for k, v in r.items() if k not in ("people", "total")} for r in rows]
    return lines, int(rows[0]["total"]), int(rows[0]["people"])


def _brand_sections(config, db: Database, end: datetime) -> dict[str, Any]:
    """Share of voice (us against each competitor, 14 days) and the week's opportunities, when a brand or
    competitors are configured; empty otherwise, and the templates leave the sections out."""
    if config.brand is None and not config.competitors:
        return {"share_of_voice": None, "share_chart_svg": "", "opportunities": []}
    voice = share_of_voice(config, db, end, days=14)
    for index, entity in enumerate(voice["entities"]):
        entity["colour"] = colour(index)
        entity["today"] = entity["per_day"][-1]["posts"] if entity["per_day"] else 0
    found = list_opportunities(config, db, days=7, limit=config.digest.top_n) if config.competitors else []
    return {"share_of_voice": voice, "share_chart_svg": share_chart_svg(voice) if voice["total"] else "",
            "opportunities": found}


def _actions(reach: list[dict], queue: list[dict], alerts: list[dict]) -> list[dict]:
    """One ranked list: personal touches first (they matter most), then the most urgent replies."""
    actions = [{"what": r["sentence"], "why": f"{r['reason']} · tier {r['tier'] or '-'}", "url": r["evidence_url"],
                "score": r["score"] * 30} for r in reach]
    actions += [{"what": f"Reply to {q['person']} ({q['intent_label']} on {q['platform']}"
                         f"{', ' + q['language_note'] if q['language_note'] else ''})",
                 "why": q["reason"], "url": q["url"], "score": q["priority"]} for q in queue]
    actions.sort(key=lambda a: -a["score"])
    return actions[:12]


def render(context: dict[str, Any]) -> tuple[str, str]:
    html = _env.get_template("digest.html.j2").render(**context)
    text = _env.get_template("digest.txt.j2").render(**context)
    return html, text


def write_digest(config, db: Database, day: date | None = None, out_dir: Path | None = None) -> DigestFiles:
    day = day or default_day(config)
    context = gather(config, db, day)
    html, text = render(context)
    out = out_dir or config.resolve(config.digest.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / f"digest-{day.isoformat()}.html"
    text_path = out / f"digest-{day.isoformat()}.txt"
    html_path.write_text(html, encoding="utf-8")
    text_path.write_text(text, encoding="utf-8")
    return DigestFiles(html_path, text_path, day)


CHART_CID = "digest-chart"
SHARE_CHART_CID = "digest-share-of-voice"


def send_digest(config, db: Database, day: date | None = None) -> dict[str, Any]:
    """Email the digest to the configured recipients: HTML with the chart as an attached PNG
    (mail clients drop inline SVG) and a plain-text alternative."""
    from delivery.chart_png import chart_png
    from delivery.email import send_email

    smtp, recipients = config.digest.smtp, config.digest.recipients
    if smtp is None or not recipients:
        raise ValueError("digest.smtp and digest.recipients must be set in config.yaml to send the digest")
    day = day or default_day(config)
    context = gather(config, db, day)
    email_context = context | {
        "chart_svg": f'<img src="cid:{CHART_CID}" width="560" height="140" alt="Posts per day, last 14 days" '
                     f'style="max-width:100%;height:auto;display:block;border:0;">'
    }
    images = {CHART_CID: chart_png(context["series"])}
    if context["share_chart_svg"]:
        from delivery.share_chart import share_chart_png

        email_context["share_chart_svg"] = (
            f'<img src="cid:{SHARE_CHART_CID}" width="560" height="120" alt="Share of voice, last 14 days" '
            f'style="max-width:100%;height:auto;display:block;border:0;">')
        images[SHARE_CHART_CID] = share_chart_png(context["share_of_voice"])
    html, text = render(email_context)
    subject = f"Listening digest · {config.me.name} · {day:%a %-d %b}"
    message_id = send_email(smtp, recipients=recipients, subject=subject, text=text, html=html, images=images)
    return {"day": day, "recipients": recipients, "message_id": message_id, "subject": subject}
