"""Deliver alerts to their channels: console, email (SMTP), webhook (Slack-compatible or plain JSON).

Each run:

1. during quiet hours (``alerts.quiet_hours``, in ``schedule.timezone``) nothing goes out: alerts wait;
2. otherwise waiting alerts are *released*, key clients first, up to ``alerts.max_per_hour`` per clock
   hour (the rest wait for the next hour; nothing is dropped). Releasing gives the alert one
   ``alert_deliveries`` row per configured channel;
3. every pending (alert, channel) row is tried, **one message per person and channel**: a key client who
   posted four things since the last run gets one ALERT listing them, weightiest first (leaving talk and
   problems before questions, news and mentions). Success marks that row delivered and it is never sent
   again, whatever the other channels do; a failure is retried on the next run, up to
   ``alerts.max_attempts``, then stays ``failed`` with its last error (``listenwell``'s run output says so);
4. ``alerts.delivery_status`` sums the channels up: delivered (all), failed (one gave up), pending.
"""
from __future__ import annotations

import html
import json
import os
from datetime import datetime, timedelta
from typing import Any, Callable
from urllib.parse import urlsplit

from delivery.email import send_email
from delivery.errors import DeliveryError, scrub
from delivery.webhook import post_webhook
from storage.db import Database

Echo = Callable[[str], None]

ALERT_FIELDS = """
SELECT a.alert_id, a.rule, a.post_uid, a.person_id, a.title, a.reason, a.url, a.created_at, a.priority,
       a.details, pe.name AS person, pe.tier
FROM alerts a LEFT JOIN people pe ON pe.person_id = a.person_id
"""

SUMMARISE = """
UPDATE alerts SET
    delivery_status = s.status, attempts = s.attempts, last_error = s.last_error,
    delivered_at = CASE WHEN s.status = 'delivered' THEN s.delivered_at END
FROM (
    SELECT alert_id,
           CASE WHEN bool_and(status = 'delivered') THEN 'delivered'
                WHEN bool_or(status = 'failed') AND NOT bool_or(status = 'pending') THEN 'failed'
                ELSE 'pending' END AS status,
           max(attempts) AS attempts,
           max(delivered_at) AS delivered_at,
           string_agg(channel || ': ' || last_error, '; ' ORDER BY channel)
               FILTER (WHERE status <> 'delivered' AND last_error IS NOT NULL) AS last_error
    FROM alert_deliveries WHERE list_contains($ids, alert_id) GROUP BY alert_id
) s
WHERE alerts.alert_id = s.alert_id
"""


# --- what an alert says ------------------------------------------------------------------------------------

def _safe_link(url: str | None) -> str | None:
    return url if url and urlsplit(url).scheme in ("http", "https") else None


# Within one person's alerts, what to read first (lower first): a risk of losing them, a problem, a
# question waiting for us, then news and mentions. Rules not named here come after these.
WEIGHT = {"key_client_churn": 0, "key_client_negative": 1, "unanswered_question": 2, "key_client_question": 3,
          "key_client_competitor": 4, "key_client_moment": 5, "key_client_about_us": 6}


def weightiest_first(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(alerts, key=lambda a: (WEIGHT.get(a["rule"], len(WEIGHT)), a["created_at"], a["alert_id"]))


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def combine(alerts: list[dict[str, Any]]) -> dict[str, Any]:
    """One person's alerts as one: the title says everything they did, the reason lists each post, weightiest
    first. A single alert is returned as it is."""
    if len(alerts) == 1:
        return alerts[0]
    ordered = weightiest_first(alerts)
    first = ordered[0]
    person = first.get("person") or ""
    did: list[str] = []
    for alert in ordered:
        what = alert["title"][len(person) + 1:] if person and alert["title"].startswith(person + " ") else alert["title"]
        if what not in did:
            did.append(what)
    title = f"{person} {_and(did)}" if person else _and(did)
    reason = "\n".join(f"{n}. {a['reason']}" + (f"\n   {a['url']}" if a.get("url") else "")
                       for n, a in enumerate(ordered, 1))
    return {**first, "title": title, "reason": reason, "url": None, "alerts": ordered}


def alert_text(alert: dict[str, Any]) -> str:
    """The console's ALERT lines: post text never reaches the terminal as escape sequences or controls."""
    from listenwell.terminal import terminal_safe

    if alert.get("alerts"):
        lines = [f"ALERT {terminal_safe(alert['title'], one_line=True)}"]
        for n, one in enumerate(alert["alerts"], 1):
            lines.append(f"  {n}. {terminal_safe(one['reason'], one_line=True)}")
            if one.get("url"):
                lines.append(f"     {terminal_safe(one['url'], one_line=True)}")
        return "\n".join(lines)
    link = f"\n    {terminal_safe(alert['url'], one_line=True)}" if alert.get("url") else ""
    return (f"ALERT {terminal_safe(alert['title'], one_line=True)}\n"
            f"    {terminal_safe(alert['reason'], one_line=True)}{link}")


def email_parts(alert: dict[str, Any], tz) -> tuple[str, str, str]:
    """Subject, text and HTML of one alert's email."""
    raised = alert["created_at"].astimezone(tz)
    footer = f"listenwell alert {alert['alert_id']} ({alert['rule']}), raised {raised:%d %b %Y %H:%M %Z}"
    link = _safe_link(alert.get("url"))
    text = f"{alert['title']}\n\n{alert['reason']}\n"
    if alert.get("url"):
        text += f"\nOpen the post: {alert['url']}\n"
    text += f"\n-- \n{footer}\n"
    e = html.escape
    link_html = f'<p><a href="{e(link, quote=True)}">Open the post</a></p>' if link else ""
    said = f"<p>{e(alert['reason'])}</p>"
    if alert.get("alerts"):
        said = "<ol>" + "".join(
            f"<li>{e(one['reason'])}" + (f' <a href="{e(u, quote=True)}">Open the post</a>'
                                        if (u := _safe_link(one.get("url"))) else "") + "</li>"
            for one in alert["alerts"]) + "</ol>"
    body = (
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;max-width:40em\">"
        f"<h2 style=\"font-size:1.1em\">{e(alert['title'])}</h2>{said}{link_html}"
        f"<p style=\"color:#666;font-size:.85em\">{e(footer)}</p></body></html>"
    )
    return f"[listenwell] {alert['title']}", text, body


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_payload(alert: dict[str, Any]) -> dict[str, Any]:
    """Every field of the alert, for JSON webhooks."""
    details = alert.get("details")
    if isinstance(details, str):
        details = json.loads(details)
    created = alert.get("created_at")
    return {
        "alert_id": alert["alert_id"], "rule": alert["rule"], "title": alert["title"], "reason": alert["reason"],
        "url": alert.get("url"), "post_uid": alert.get("post_uid"), "person_id": alert.get("person_id"),
        "person": alert.get("person"), "tier": alert.get("tier"), "priority": alert.get("priority"),
        "created_at": created.isoformat() if isinstance(created, datetime) else created,
        "details": details or {},
    } | ({"alerts": [plain_payload(one) for one in alert["alerts"]]} if alert.get("alerts") else {})


def slack_payload(alert: dict[str, Any]) -> dict[str, Any]:
    """Slack incoming-webhook shape: ``text`` (notifications, fallback) and ``blocks``."""
    link = _safe_link(alert.get("url"))
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": f"*{_mrkdwn(alert['title'])}*\n{_mrkdwn(alert['reason'])}"}},
    ]
    context = [{"type": "mrkdwn", "text": f"{_mrkdwn(alert['rule'])} · `{_mrkdwn(alert['alert_id'])}`"}]
    if link:
        context.insert(0, {"type": "mrkdwn", "text": f"<{link}|Open the post>"})
    blocks.append({"type": "context", "elements": context})
    text = f"{alert['title']}: {alert['reason']}" + (f" {link}" if link else "")
    return {"text": text, "blocks": blocks}


# --- channels ----------------------------------------------------------------------------------------------

class Channels:
    """Sends one alert on one channel; returns an external id (Message-ID) or None; raises DeliveryError."""

    def __init__(self, config, echo: Echo):
        self.config = config
        self.alerts = config.alerts
        self.echo = echo

    def secrets(self) -> list[str | None]:
        values = []
        if self.alerts.webhook_url_env:
            values.append(os.environ.get(self.alerts.webhook_url_env))
        smtp = self.smtp
        if smtp and smtp.password_env:
            values.append(os.environ.get(smtp.password_env))
        return values

    @property
    def smtp(self):
        return self.alerts.smtp or self.config.digest.smtp

    def send(self, channel: str, alert: dict[str, Any]) -> str | None:
        if channel == "console":
            self.echo(alert_text(alert))
            return None
        if channel == "email":
            if self.smtp is None:
                raise DeliveryError("no SMTP server configured: add alerts.smtp (or digest.smtp)")
            subject, text, body = email_parts(alert, self.config.tz)
            return send_email(self.smtp, recipients=list(self.alerts.email_recipients), subject=subject,
                              text=text, html=body)
        if channel == "webhook":
            env = self.alerts.webhook_url_env
            url = os.environ.get(env) if env else None
            if not url:
                raise DeliveryError(f"webhook URL: environment variable {env} is not set")
            payload = slack_payload(alert) if self.alerts.webhook_format == "slack" else plain_payload(alert)
            post_webhook(url, payload)
            return None
        raise DeliveryError(f"unknown channel {channel!r}")


# --- the run -----------------------------------------------------------------------------------------------

def in_quiet_hours(config, now: datetime) -> bool:
    quiet = config.alerts.quiet_hours
    return bool(quiet) and quiet.contains(now.astimezone(config.tz).time().replace(tzinfo=None))


def _hour_start(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def release_alerts(config, db: Database, now: datetime) -> list[str]:
    """Hand waiting alerts to their channels, key clients first, within this clock hour's cap."""
    rules = config.alerts
    hour = _hour_start(now)
    used = db.scalar("SELECT count(*) FROM alerts WHERE released_at >= ? AND released_at < ?",
                     [hour, hour + timedelta(hours=1)]) or 0
    room = max(rules.max_per_hour - used, 0)
    if room == 0:
        return []
    ids = [r[0] for r in db.con.execute(
        """SELECT alert_id FROM alerts WHERE released_at IS NULL AND delivery_status = 'pending'
           ORDER BY priority, created_at, alert_id LIMIT ?""", [room]).fetchall()]
    if not ids:
        return []
    with db.transaction() as con:
        con.execute("UPDATE alerts SET released_at = $now WHERE list_contains($ids, alert_id)",
                    {"now": now, "ids": ids})
        con.execute(
            """INSERT OR IGNORE INTO alert_deliveries (alert_id, channel, status, attempts)
               SELECT alert_id, channel, 'pending', 0
               FROM (SELECT unnest($ids) AS alert_id) CROSS JOIN (SELECT unnest($channels) AS channel)""",
            {"ids": ids, "channels": list(rules.channels)},
        )
    return ids


def per_person(work: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Pending (alert, channel) rows as one group per channel and person, in the order the first of each came
    (key clients' tiers first); an alert about nobody in particular (a spike) is a group of its own."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for item in work:
        groups.setdefault((item["channel"], item.get("person_id") or item["alert_id"]), []).append(item)
    return [(channel, group) for (channel, _who), group in groups.items()]


def who(group: list[dict[str, Any]]) -> str:
    person = group[0].get("person")
    return person if person else f"“{group[0]['title']}”"


def deliver_pending(
    config,
    db: Database,
    echo: Echo = print,
    dry_run: bool = False,
    *,
    channels: Channels | None = None,
) -> int:
    """Release and deliver what may go out now; returns how many alerts are now delivered on every channel."""
    rules = config.alerts
    now = config.now()
    waiting = db.scalar("SELECT count(*) FROM alerts WHERE released_at IS NULL AND delivery_status = 'pending'") or 0
    if in_quiet_hours(config, now):
        if waiting:
            echo(f"alerts: {waiting} waiting for quiet hours to end ({rules.quiet_hours.end:%H:%M} "
                 f"{config.schedule.timezone})")
        return 0
    if dry_run:
        preview = db.rows(ALERT_FIELDS + """WHERE a.released_at IS NULL AND a.delivery_status = 'pending'
                                            ORDER BY a.priority, a.created_at, a.alert_id LIMIT ?""",
                          [rules.max_per_hour])
        for _channel, group in per_person([a | {"channel": ""} for a in preview]):
            echo(alert_text(combine(group)))
        return len(preview)

    release_alerts(config, db, now)
    held = db.scalar("SELECT count(*) FROM alerts WHERE released_at IS NULL AND delivery_status = 'pending'") or 0
    if held:
        echo(f"alerts: {held} over the limit of {rules.max_per_hour} an hour wait for the next hour")

    work = db.rows(
        """SELECT d.channel, d.attempts, x.* FROM alert_deliveries d
           JOIN (""" + ALERT_FIELDS + """) x USING (alert_id)
           WHERE d.status = 'pending' AND list_contains($channels, d.channel)
           ORDER BY x.priority, x.created_at, x.alert_id, d.channel""",
        {"channels": list(rules.channels)},
    )
    if not work:
        return 0
    sender = channels or Channels(config, echo)
    secrets = sender.secrets()
    touched: list[str] = []
    for channel, group in per_person(work):
        ids = [a["alert_id"] for a in group]
        touched.extend(ids)
        try:
            external_id = sender.send(channel, combine(group))
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried, never lost
            message = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
            message = scrub(message, secrets)[:500]
            attempts = max(a["attempts"] for a in group) + 1
            gave_up = attempts >= rules.max_attempts
            with db.transaction() as con:
                con.execute(
                    """UPDATE alert_deliveries SET attempts = attempts + 1, last_error = $error, last_attempt_at = $now,
                              status = CASE WHEN attempts + 1 >= $max THEN 'failed' ELSE 'pending' END
                       WHERE list_contains($ids, alert_id) AND channel = $channel""",
                    {"error": message, "now": now, "max": rules.max_attempts, "ids": ids, "channel": channel},
                )
            about = f"the alert about {who(group)}"
            if gave_up:
                echo(f"{about}: {channel} failed {attempts} times, giving up: {message}")
            else:
                echo(f"{about}: {channel} failed (attempt {attempts} of {rules.max_attempts}, "
                     f"retried next run): {message}")
            continue
        with db.transaction() as con:
            con.execute(
                """UPDATE alert_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = $now,
                          last_attempt_at = $now, last_error = NULL, external_id = $external
                   WHERE list_contains($ids, alert_id) AND channel = $channel""",
                {"now": now, "external": external_id, "ids": ids, "channel": channel},
            )
    ids = sorted(set(touched))
    with db.transaction() as con:
        con.execute(SUMMARISE, {"ids": ids})
    return db.scalar("SELECT count(*) FROM alerts WHERE list_contains(?, alert_id) AND delivery_status = 'delivered'",
                     [ids]) or 0


def delivery_report(db: Database, status: str | None = None) -> list[dict[str, Any]]:
    """Alerts with each channel's state, newest first; for a CLI or the web app ('failed' shows the lost causes)."""
    rows = db.rows(
        """SELECT a.alert_id, a.rule, a.title, a.url, a.created_at, a.released_at, a.delivery_status,
                  d.channel, d.status, d.attempts, d.last_error, d.delivered_at
           FROM alerts a LEFT JOIN alert_deliveries d USING (alert_id)
           WHERE $status IS NULL OR a.delivery_status = $status
           ORDER BY a.created_at DESC, a.alert_id, d.channel""",
        {"status": status},
    )
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = out.setdefault(r["alert_id"], {k: r[k] for k in (
            "alert_id", "rule", "title", "url", "created_at", "released_at", "delivery_status")} | {"channels": {}})
        if r["channel"]:
            entry["channels"][r["channel"]] = {k: r[k] for k in ("status", "attempts", "last_error", "delivered_at")}
    return list(out.values())
