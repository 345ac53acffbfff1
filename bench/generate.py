"""Deterministic, realistic benchmark data: X API v2 pages, Reddit Listings and blog-shaped CSV.

    .venv/bin/python bench/generate.py --posts 100000 --out /tmp/lw-bench/100k

About 60% X, 33% Reddit, 7% blog comments, over 60 days; a few thousand people whose activity is
long-tailed (a handful post a lot, most post once or twice); threads (replies to earlier posts,
ours among them); mentions of our handles; questions, complaints, praise, moments. Same seed, same bytes.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

START = datetime(2026, 9, 21, tzinfo=timezone.utc)
DAYS = 60
OUR_X, OUR_REDDIT = "fernhillhq", "fernhill_team"

OPENERS = ["honestly", "ok so", "quick one:", "PSA:", "hot take:", "today I learned", "anyone else notice",
           "not gonna lie,", "fwiw", "small win:", "", "", ""]
TOPICS = ["the new dashboard", "our dbt pipeline", "scheduled exports", "the pricing page", "onboarding emails",
          "data quality checks", "row-level permissions", "the Metabase import", "weekly ops review",
          "the Looker migration", "#dataviz colour scales", "CSV exports", "the warehouse bill"]
TAILS = {
    "question": ["does anyone know if {t} supports SSO?", "how do you handle {t} at scale?",
                 "is there a way to schedule {t} per team?"],
    "complaint": ["{t} failed again this morning, really frustrating", "{t} is broken for the third time this week",
                  "still waiting on support about {t}, terrible"],
    "praise": ["{t} is brilliant, thank you!", "loving {t}, great work", "{t} saved me an hour today, amazing"],
    "moment": ["Thrilled to share I've joined {company} as {role}!", "We just launched our new product today!",
               "We're moving to {place} next month", "Honoured to receive the {award} award"],
    "neutral": ["thinking about {t}", "spent the afternoon on {t}", "{t} review notes are up",
                "reading about {t} over lunch", "{t}: pros and cons thread"],
}
KIND_WEIGHTS = [("neutral", 70), ("question", 10), ("complaint", 7), ("praise", 10), ("moment", 3)]

# The long tail of real posts: names, places, tools, ticket numbers, links, tags and emoji make nearly every
# post's text unique and keep adding words a tokenizer has not seen (as in real tweets, where over 99% of
# texts are distinct). Without it the templates above give about 4,000 distinct texts in 100,000.
NAMES = ("Aisha Alex Amara Ana Anders Ben Bianca Carlos Chen Chloe Dana Daniel Deepa Diego Elif Ella Emeka Erik "
         "Fatima Felix Freya Gabriel Grace Hana Hamid Hugo Ines Isla Ivan Jamal Jana Jonas Joon Kai Karin Kemal "
         "Lars Leila Lena Liam Lucia Maya Mateo Mei Mira Nadia Nils Noah Noor Olga Omar Oscar Paulo Priya Rafael "
         "Rana Ravi Rosa Ruth Sam Sana Sara Sofia Stefan Tariq Tess Theo Tom Uma Vera Viktor Wei Yara Yusuf Zoe").split()
PLACES = ("Lisbon Porto Berlin Leeds Bristol Austin Denver Toronto Dublin Galway Lyon Utrecht Ghent Malmo Oslo Turku "
          "Krakow Brno Bilbao Valencia Turin Bologna Nairobi Lagos Accra Pune Jaipur Osaka Busan Perth Hobart "
          "Wellington Recife Medellin Quito Halifax Boise Tucson Raleigh Cork").split()
TOOLS = ("Metabase Looker Tableau Superset Redash Mode Hex Sigma dbt Airflow Dagster Prefect Fivetran Airbyte "
         "Snowflake BigQuery Redshift Postgres DuckDB ClickHouse Notion Jira Linear Slack Excel Sheets Retool "
         "Segment Mixpanel Amplitude Hubspot Salesforce Stripe Zapier").split()
COMPANIES = ("Acme Globex Initech Umbrella Hooli Stark Wayne Tyrell Cyberdyne Soylent Vandelay Wonka Gringotts "
             "Monarch Nakatomi Oscorp Pied Piper Aperture Massive Dynamic Northwind Contoso Fabrikam").split()
ROLES = ["Head of Data", "VP Analytics", "Staff Data Engineer", "Analytics Lead", "Director of BI",
         "Principal Analyst", "Data Platform Manager", "CTO"]
AWARDS = ["Data Leader", "Analytics Team of the Year", "Rising Star", "Community Champion", "Best Dashboard"]
TAG_WORDS = ("data ops bi sql dbt analytics eng team remote q1 q2 q3 q4 planning metrics modern stack cloud "
             "warehouse reporting dashboards viz growth finance revops").split()
EMOJI = ["🙂", "😅", "🎉", "🔥", "👀", "🙏", "😬", "📊", "☕", "🚀", "✅", "🤔", "💡", "📈", "🙌", "😴"]
LINK_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class World:
    def __init__(self, n_posts: int, seed: int = 20261120):
        self.rng = random.Random(seed)
        self.people = max(200, min(8000, n_posts // 40))
        self.weights = [1 / (i + 1) ** 1.1 for i in range(self.people)]  # long tail
        self.kinds = [k for k, _ in KIND_WEIGHTS]
        self.kind_w = [w for _, w in KIND_WEIGHTS]

    def author(self) -> int:
        return self.rng.choices(range(self.people), self.weights)[0]

    def text(self, to_us: bool) -> str:
        rng = self.rng
        kind = rng.choices(self.kinds, self.kind_w)[0]
        tail = rng.choice(TAILS[kind]).format(t=rng.choice(TOPICS), company=rng.choice(COMPANIES),
                                              role=rng.choice(ROLES), place=rng.choice(PLACES),
                                              award=rng.choice(AWARDS))
        opener = rng.choice(OPENERS)
        return " ".join(part for part in (opener, tail, self.details()) if part)

    def details(self) -> str:
        """Zero to three neutral asides of the kind real posts carry."""
        rng = self.rng
        forms = (
            lambda: f"cc {rng.choice(NAMES)}",
            lambda: f"(ticket #{rng.randint(1000, 99999)})",
            lambda: f"took {rng.randint(2, 95)} minutes",
            lambda: f"via {rng.choice(TOOLS)}",
            lambda: f"here in {rng.choice(PLACES)}",
            lambda: "https://t.co/" + "".join(rng.choices(LINK_CHARS, k=10)),
            lambda: "#" + rng.choice(TAG_WORDS) + rng.choice(TAG_WORDS),
            lambda: rng.choice(EMOJI),
            lambda: f"{rng.choice(NAMES)} and {rng.choice(NAMES)} were on it",
            lambda: f"after the v{rng.randint(1, 9)}.{rng.randint(0, 30)} upgrade",
            lambda: f"on {rng.choice(TOOLS)} with {rng.randint(3, 400)} users",
        )
        count = rng.choices((0, 1, 2, 3), (10, 35, 35, 20))[0]
        return " ".join(rng.choice(forms)() for _ in range(count))

    def when(self, i: int, n: int) -> datetime:
        base = START + timedelta(seconds=DAYS * 86400 * i / n)
        return base + timedelta(seconds=self.rng.randint(0, 600))


def generate(n_posts: int, out: Path, seed: int = 20261120) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    world = World(n_posts, seed)
    rng = world.rng
    n_x, n_reddit = int(n_posts * 0.60), int(n_posts * 0.33)
    n_blog = n_posts - n_x - n_reddit
    users = [{"id": str(100000 + p), "username": f"user{p}", "name": f"Person {p}",
              "public_metrics": {"followers_count": int(rng.paretovariate(1.2) * 50)}} for p in range(world.people)]
    ours = {"id": "1", "username": OUR_X, "name": "Fernhill Analytics", "public_metrics": {"followers_count": 4200}}

    recent_x: list[tuple[str, str]] = []  # (tweet id, author user id) of recent tweets, for threads
    with (out / "x.jsonl").open("w") as fh:
        page: list[dict] = []
        page_users: dict[str, dict] = {}
        for i in range(n_x):
            tid = str(1_900_000_000_000_000_000 + i)
            ours_now = i % 25 == 0 and recent_x
            if ours_now:
                parent_id, parent_author = rng.choice(recent_x[-200:])
                user = ours
                text = f"@{users[int(parent_author) - 100000]['username'] if parent_author != '1' else OUR_X} thanks, looking into it"
            else:
                user = users[world.author()]
                to_us = rng.random() < 0.15
                text = ("@fernhillhq " if to_us else "") + world.text(to_us)
                parent_id = parent_author = None
                if recent_x and rng.random() < 0.25:
                    parent_id, parent_author = rng.choice(recent_x[-500:])
            tweet = {"id": tid, "text": text, "author_id": user["id"], "lang": "en",
                     "created_at": world.when(i, n_x).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                     "conversation_id": parent_id or tid}
            mentions = [w[1:] for w in text.split() if w.startswith("@")]
            if mentions:
                tweet["entities"] = {"mentions": [{"start": 0, "end": len(m) + 1, "username": m} for m in mentions]}
            if parent_id:
                tweet["referenced_tweets"] = [{"type": "replied_to", "id": parent_id}]
                tweet["in_reply_to_user_id"] = parent_author
            page.append(tweet)
            page_users[user["id"]] = user
            recent_x.append((tid, user["id"]))
            if len(recent_x) > 2000:
                del recent_x[:1000]
            if len(page) == 100:
                fh.write(json.dumps({"data": page, "includes": {"users": list(page_users.values())},
                                     "meta": {"result_count": len(page)}}) + "\n")
                page, page_users = [], {}
        if page:
            fh.write(json.dumps({"data": page, "includes": {"users": list(page_users.values())},
                                 "meta": {"result_count": len(page)}}) + "\n")

    with (out / "reddit.jsonl").open("w") as fh:
        children: list[dict] = []
        link = None
        for i in range(n_reddit):
            created = world.when(i, n_reddit).timestamp()
            author = users[world.author()]["username"] if i % 30 else OUR_REDDIT
            if link is None or rng.random() < 0.08:
                rid = f"s{i:x}"
                link = f"t3_{rid}"
                body = world.text(False)
                children.append({"kind": "t3", "data": {
                    "id": rid, "name": link, "title": body[:80], "selftext": body, "author": author,
                    "subreddit": "BusinessIntelligence", "created_utc": created, "num_comments": 0, "score": 1,
                    "permalink": f"/r/BusinessIntelligence/comments/{rid}/", "url": "", "is_self": True}})
                parent = link
            else:
                cid = f"c{i:x}"
                to_us = rng.random() < 0.1
                body = ("u/fernhill_team " if to_us else "") + world.text(to_us)
                children.append({"kind": "t1", "data": {
                    "id": cid, "name": f"t1_{cid}", "body": body, "author": author, "parent_id": parent,
                    "link_id": link, "subreddit": "BusinessIntelligence", "created_utc": created, "score": 1,
                    "permalink": f"/r/BusinessIntelligence/comments/{link[3:]}/x/{cid}/"}})
                parent = f"t1_{cid}" if rng.random() < 0.4 else link
            if len(children) == 100:
                fh.write(json.dumps({"kind": "Listing", "data": {"after": None, "children": children}}) + "\n")
                children = []
        if children:
            fh.write(json.dumps({"kind": "Listing", "data": {"after": None, "children": children}}) + "\n")

    with (out / "blog.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["platform", "id", "author", "text", "created_at", "url", "kind", "parent_id", "title"])
        post_id = None
        for i in range(n_blog):
            created = world.when(i, n_blog).isoformat()
            if post_id is None or i % 20 == 0:
                post_id = f"https://blog.fernhill.example/p/{i}"
                writer.writerow(["blog", post_id, "Fernhill Team@blog.fernhill.example", world.text(False), created,
                                 post_id, "post", "", f"Post {i}"])
            else:
                author = f"{users[world.author()]['name'].lower()}@blog.fernhill.example"
                writer.writerow(["blog", f"{post_id}#c{i}", author, world.text(True), created,
                                 f"{post_id}#comment-{i}", "comment", post_id, ""])
    return {"x": n_x, "reddit": n_reddit, "blog": n_blog, "people": world.people}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=20261120)
    args = parser.parse_args()
    print(json.dumps(generate(args.posts, args.out, args.seed)))


if __name__ == "__main__":
    main()
