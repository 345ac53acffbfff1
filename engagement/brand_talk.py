"""What a post's brand tags mean for engagement, defined once: churn talk about us, a mention of us by
name, a competitor mention, and an opportunity (someone buying, or leaving a competitor).

The tags come from ``nlp/brands.py`` (``about_us``, ``competitors``) and the tag job (``addressed_to_us``);
the intents from ``nlp/intents.py``. The queue, the alerts, the reach-out list, the opportunities list and
the digest all ask here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator


@dataclass(frozen=True)
class BrandTalk:
    to_us: bool
    about_us: bool
    competitors: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)

    @property
    def churn_about_us(self) -> bool:
        """Talk of leaving that concerns us: it names or tags us, or names nobody ("looking at alternatives").
        Leaving a competitor ("moving off Looker") is an opportunity instead."""
        return "churn_risk" in self.intents and (self.to_us or self.about_us or not self.competitors)

    @property
    def opportunity(self) -> str | None:
        """'buying' or 'leaving' when a competitor is named with purchase intent or leaving talk; else None."""
        if not self.competitors:
            return None
        if "churn_risk" in self.intents and not self.churn_about_us:
            return "leaving"
        if "purchase_intent" in self.intents:
            return "buying"
        return None


    @property
    def competitor_news(self) -> bool:
        """A competitor named in a way worth a key client's alert and a reach-out: buying or leaving talk,
        or a mention in a post neither to us nor about us (a question about us that names Metabase is about us)."""
        return bool(self.competitors) and (self.opportunity is not None or not (self.to_us or self.about_us))


# SQL twins of the properties above, for lists built in bulk (t = the tags row)
CHURN_ABOUT_US_SQL = ("(list_contains(t.intents, 'churn_risk') AND (t.addressed_to_us OR t.about_us "
                      "OR len(t.competitors) = 0))")
OPPORTUNITY_SQL = (f"(len(t.competitors) > 0 AND ((list_contains(t.intents, 'churn_risk') AND NOT {CHURN_ABOUT_US_SQL})"
                   " OR list_contains(t.intents, 'purchase_intent')))")


def names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def brand_alerts(talk: BrandTalk, rules, name: str, tier: int | None, where: str, said: str,
                 us: str) -> Iterator[tuple[str, str, str]]:
    """(rule, title, reason) for a key client's post. Churn talk about us is the most urgent thing a key
    client can say, tagged or not; it stands alone. Otherwise a post naming us without tagging us, and a
    post naming a competitor, each raise their own."""
    untagged = "" if talk.to_us else ", without tagging us"
    if talk.churn_about_us:
        if rules.key_client_churn:
            rival = f" (names {names(talk.competitors)})" if talk.competitors else ""
            yield ("key_client_churn", f"{name} is talking about leaving",
                   f"Tier {tier} client {name} wrote {where} about leaving{' ' + us if talk.about_us else ''}"
                   f"{untagged}{rival}: “{said}”")
        return
    if talk.about_us and not talk.to_us and rules.key_client_about_us:
        yield ("key_client_about_us", f"{name} mentioned us",
               f"Tier {tier} client {name} named {us} {where}{untagged}: “{said}”")
    if talk.competitor_news and rules.key_client_competitor:
        rivals = names(talk.competitors)
        doing = {"buying": "is shopping around and named", "leaving": "is leaving"}.get(talk.opportunity or "",
                                                                                      "named")
        yield ("key_client_competitor", f"{name} mentioned {rivals}",
               f"Tier {tier} client {name} {doing} {rivals} {where}: “{said}”")
