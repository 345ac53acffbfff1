#!/usr/bin/env python3
"""Regenerate listenwell's bundled sample data (examples/).

Deterministic (seeded ``random.Random``), standard library only. Every text a user sees in the
demo is hand-written in the tables below; the script only decides timing, ids, paging and who
wrote the filler chatter. Run from anywhere:

    python examples/make_samples.py

"We" are Fernhill Analytics (X @fernhillhq, Reddit u/fernhill_team, blog.fernhill.example).
The demo pins "now" at 2026-11-20T18:00:00Z; data spans 2026-09-21 .. 2026-11-20 (UTC).
All people, companies and domains are fictional; every domain is under ``.example``.
"""
from __future__ import annotations

import json
import random
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

UTC = timezone.utc
OUT = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
START = datetime(2026, 9, 21, 0, 0, tzinfo=UTC)
RNG = random.Random(20261120)
TWARC_VERSION = "2.14.0"


def d(s: str) -> datetime:
    """'11-03 09:12' -> 2026-11-03T09:12Z"""
    return datetime.strptime("2026-" + s, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def rand_time(lo: datetime = START, hi: datetime = NOW - timedelta(hours=1)) -> datetime:
    span = int((hi - lo).total_seconds())
    t = lo + timedelta(seconds=RNG.randrange(span))
    # people post in waking hours (roughly 06..23 UTC for this cast)
    if t.hour < 6:
        t = t.replace(hour=RNG.randrange(7, 22))
    return t.replace(second=RNG.randrange(60), microsecond=0)


# =============================================================================================
# People
# =============================================================================================

ME = {
    "key": "me", "name": "Fernhill Analytics", "x": "fernhillhq", "reddit": "fernhill_team",
    "blog": "Fernhill Team", "followers": 4210,
    "bio": "Dashboards your ops team will actually open. Analytics for small B2B teams. Support: help.fernhill.example",
}

# key clients: tier, role, handles, and the story their data tells
KEY = [
    dict(key="priya", name="Priya Raman", tier=1, x="priyaraman_ops", reddit="priya_r_ops", blog=None,
         followers=3870, bio="Ops nerd. Spreadsheets, warehouses (both kinds). Views mine.",
         notes="COO at Brightpath Logistics (our champion there); prefers calls; two kids; coffee, not lunch"),
    dict(key="marcus", name="Marcus Oyelaran", tier=1, x="marcus_tidewater", reddit=None, blog="Marcus Oyelaran",
         followers=9120, bio="Founder @ Tidewater Labs. Building tools for coastal freight. Ex-Maersk. Sailing badly.",
         notes="Founder & CEO, Tidewater Labs; early design partner; blog at tidewaterlabs.example"),
    dict(key="helen", name="Helen Kowalczyk", tier=2, x="helenkdata", reddit="hkowal", blog=None,
         followers=1540, bio="Head of Data @ Northwind Grocers. dbt, bikes, sourdough. London.",
         notes="Head of Data, Northwind Grocers; renewal in February; vegetarian"),
    dict(key="daniel", name="Daniel Mbeki", tier=2, x="dmbeki", reddit=None, blog=None,
         followers=880, bio="CFO at Kestrel Outdoor. Numbers by day, trail running by weekend.",
         notes="CFO, Kestrel Outdoor; signed the annual plan; formal, email over calls"),
    dict(key="sofia", name="Sofia Lindqvist", tier=1, x="sofialindqvist", reddit="sofia_lq", blog=None,
         followers=2260, bio="Analytics lead @ Harbor & Pine. Stockholm -> Manchester. Opinions about chart colours.",
         notes="Analytics lead, Harbor & Pine; biggest account by seats; board pack every Monday uses our exports"),
    dict(key="tom", name="Tom Reyes", tier=3, x="tomreyes_dev", reddit="tomreyes_dev", blog="Tom Reyes",
         followers=410, bio="Data engineer @ Quillfeather. Migrating things so you don't have to.",
         notes="Data engineer, Quillfeather; trial converting, evaluating a Metabase migration"),
    dict(key="grace", name="Grace Whitfield", tier=2, x="gracewhitfield", reddit="gwhitfield", blog="Grace Whitfield",
         followers=5630, bio="VP Marketing @ Lumen & Oak. Ex-agency. I will A/B test your wedding invitations.",
         notes="VP Marketing, Lumen & Oak; was our loudest fan in September; quarterly check-in due"),
    dict(key="kenji", name="Kenji Watanabe", tier=3, x="kenji_wtnb", reddit=None, blog=None,
         followers=690, bio="Ops analyst @ Shirokane Trading. 東京 / data / 猫",
         notes="Ops analyst, Shirokane Trading (Tokyo); writes in English and Japanese"),
]

# non-key people: (key, name, x handle, reddit handle or None, followers, bio)
OTHERS = [
    ("lena", "Lena Hartmann", "lenahartmann", "lena_dq", 12400, "Writes Data Quality Weekly. Tests before trust."),
    ("ravi", "Ravi Chandran", "ravi_builds", "ravi_c", 2300, "Analytics engineer. dbt, duckdb, too many tabs."),
    ("maya", "Maya Goldberg", "mayagoldberg", None, 760, "RevOps at a Series A you haven't heard of."),
    ("oscar", "Oscar Nilsen", "oscarnilsen", "onilsen", 330, "BI developer, Oslo. Skiing > dashboards."),
    ("bea", "Beatriz Costa", "bea_costa_dados", "beacosta", 1980, "Engenheira de dados. São Paulo. Café e SQL."),
    ("jamal", "Jamal Wright", "jamalwright", "jwright_data", 5100, "Head of Analytics @ Parcelwise. Hiring!"),
    ("chloe", "Chloé Martin", "chloe_mtn", None, 450, "Product analyst. Paris. Mostly retention curves."),
    ("sam", "Sam Okafor", "samokafor", "sam_okafor", 1220, "Founder, Brickline (construction ops SaaS)."),
    ("ingrid", "Ingrid Berg", "ingridberg", None, 280, "Finance ops. Excel is my first language."),
    ("leo", "Leo Fischer", "leofischer_de", "leo_fischer", 940, "Datenanalyst in Hamburg. Metabase seit 2019."),
    ("nina", "Nina Petrova", "ninapetrova", None, 3150, "Data viz designer. #dataviz is a love language."),
    ("aaron", "Aaron Blake", "aaronblake_ops", "ablake", 120, "Ops manager. 3PL life."),
    ("fatima", "Fatima Zahra", "fatimaz_data", "fzahra", 2040, "Analytics consultant for e-commerce brands."),
    ("pete", "Pete Donnelly", "petedonnelly", "pdonnelly", 610, "Ex-Looker admin. Recovering."),
    ("yuki", "Yuki Tanaka", "yukitanaka_bi", None, 530, "BI at a logistics co in Osaka."),
    ("carla", "Carla Mendes", "carlamendes", "carla_m", 1310, "Customer success leader. Churn is a lagging indicator."),
    ("dev", "Dev Patel", "devpatel_sql", "devp", 2750, "SQL for fun and profit. Opinions on window functions."),
    ("hannah", "Hannah Lee", "hannahlee_pm", None, 890, "PM, internal tools."),
    ("ben", "Ben Harlow", "benharlow", "bharlow", 150, "Small business owner. Learning data the hard way."),
    ("zara", "Zara Ahmed", "zaraahmed", None, 4400, "VC @ Northlight Ventures. B2B SaaS, data infra."),
    ("mike", "Mike Sullivan", "mikesully", "msully", 95, "Warehouse guy. Not the data kind."),
    ("tess", "Tess Moreau", "tessmoreau", None, 720, "Marketing analytics. UTM police."),
    ("ivan", "Ivan Horvat", "ivanhorvat", "ihorvat", 1610, "Platform engineer. Pipelines, queues, pagers."),
    ("ola", "Ola Adeyemi", "ola_adeyemi", None, 2890, "Data team lead, fintech. Lagos/London."),
    ("rachel", "Rachel Kim", "rachelkim_data", "rkim", 370, "Junior analyst, asking the dumb questions so you don't have to."),
    ("gus", "Gus Almeida", "gusalmeida", None, 210, "Bootstrapped founder. Pricing pages are my nemesis."),
    ("emma", "Emma Novak", "emmanovak", "enovak", 1040, "Ops analytics @ a grocery chain."),
    ("lucas", "Lucas Romero", "lucasromero_bi", None, 660, "BI en Madrid. Gráficos y café."),
    ("amy", "Amy Chen", "amychen", "amy_c", 3300, "Data PM. Writing about metrics layers."),
    ("noah", "Noah Green", "noahgreen", None, 60, "just here for the memes"),
    ("priti", "Priti Shah", "pritishah", "priti_s", 880, "Analytics @ Harbor & Pine. Sofia's team."),
    ("owen", "Owen Price", "owenprice", None, 430, "COO, small agency. Would like one (1) dashboard that works."),
    ("kate", "Kate Murphy", "katemurphy_ops", "katem", 1150, "Ops @ Acme Freight."),
    ("tariq", "Tariq Hassan", "tariqhassan", None, 300, "Freelance data engineer."),
    ("sara", "Sara Lund", "saralund", "slund", 520, "Analytics @ Northwind Grocers."),
    ("will", "Will Turner", "willturner_sql", None, 45, "Student. Learning SQL."),
    ("jo", "Jo Whitaker", "jowhitaker", "jo_whit", 2600, "Writes about SaaS pricing. Ex-Profitwell-ish."),
    ("spam", "Crypto Dash Pro", "cryptodash_pr0", None, 12, "🚀🚀 best dashboards 100x 🚀🚀"),
    ("anon", "throwaway", "qwerty_8812", "qwerty_8812", 3, ""),
]
# reddit-only people
REDDIT_ONLY = ["sql_goblin", "pipeline_pat", "metricsmonk", "dashboard_dan", "csv_enjoyer", "quiet_analyst_22",
               "bi_throwaway_19", "etl_or_elt", "null_is_not_zero", "chart_crimes"]

PEOPLE: dict[str, dict] = {}
for p in KEY:
    PEOPLE[p["key"]] = dict(p)
for key, name, x, rd, followers, bio in OTHERS:
    PEOPLE[key] = dict(key=key, name=name, x=x, reddit=rd, blog=None, followers=followers, bio=bio, tier=None)
PEOPLE["me"] = dict(ME, tier=None)
BY_X = {p["x"]: k for k, p in PEOPLE.items() if p.get("x")}

# stable X user ids and account creation dates
for k, p in PEOPLE.items():
    p["x_id"] = str(RNG.randrange(10**8, 9 * 10**9)) if k != "me" else "1187342590126587904"
    p["x_created"] = datetime(RNG.randrange(2009, 2024), RNG.randrange(1, 13), RNG.randrange(1, 28),
                              RNG.randrange(24), RNG.randrange(60), tzinfo=UTC)
    p["t2"] = "t2_" + "".join(RNG.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))
SUSPENDED_X_ID = "1722004118890443776"  # an author the API no longer returns (suspended spam account)
HEAVY_POSTERS = ["ravi", "dev", "nina", "jo", "pete", "lena", "fatima", "amy"]  # the loud end of the long tail
_rest = [k for k, *_ in OTHERS if k not in ("spam", "anon") and k not in HEAVY_POSTERS]
RNG.shuffle(_rest)
FILLER_AUTHORS = HEAVY_POSTERS + _rest
# long tail: a few people post a lot, most post once or twice
FILLER_WEIGHTS = [1.0 / (i + 1) ** 0.8 for i in range(len(FILLER_AUTHORS))]


def filler_author() -> str:
    return RNG.choices(FILLER_AUTHORS, FILLER_WEIGHTS)[0]


# =============================================================================================
# X: content tables
# =============================================================================================

TWEETS: list[dict] = []
LABELS: dict[str, dict] = {}


def tw(author: str, when: datetime, text: str, *, label: str | None = None, reply_to: str | dict | None = None,
       quote: str | None = None, retweet: str | None = None, lang: str = "en", files: tuple = ()) -> dict:
    parent = LABELS[reply_to] if isinstance(reply_to, str) else reply_to
    if parent is not None:
        when = max(when, parent["created_at"] + timedelta(minutes=3))
    rec = dict(author=author, created_at=when, text=text, reply_to=parent,
               quote=LABELS[quote] if quote else None, retweet=LABELS[retweet] if retweet else None,
               lang=lang, files=set(files), label=label)
    TWEETS.append(rec)
    if label:
        LABELS[label] = rec
    return rec


def reply_text(parent: dict, text: str) -> str:
    """X prefixes a reply with the handle of the author it answers."""
    handle = PEOPLE[parent["author"]]["x"]
    if re.search(rf"@{handle}\b", text, re.I):
        return text
    return f"@{handle} {text}"


# --- our own tweets (announcements, tips, links) -----------------------------------------------
OWN = [
    ("09-21 14:00", "own_welcome", "New week, new changelog: saved filters now work on shared dashboards, and CSV exports keep your column order. https://blog.fernhill.example/changelog/2026-09-21"),
    ("09-24 15:30", "own_blog1", "We wrote up the five dashboards we see ops teams build, ignore, and keep paying for anyway. Retire them with a clear conscience: https://blog.fernhill.example/2026/09/five-dashboards-to-retire/ #dataviz"),
    ("09-29 13:10", "own_poll", "Honest question for ops leads: how many of your dashboards did anyone open last month? We'll go first: 41% of ours. Ouch."),
    ("10-02 10:45", "own_tip1", "Tip: a chart with a goal line answers 'is this good?' before anyone asks. Add one in Fernhill with Format -> Reference line."),
    ("10-08 16:00", "own_blog2", "How we rebuilt scheduled exports, including the two weeks where they were worse than before. A postmortem with charts: https://blog.fernhill.example/2026/10/rebuilding-scheduled-exports/"),
    ("10-13 12:00", "own_webinar", "Thursday: a 30-minute walkthrough on building a weekly ops review in Fernhill, no slides, just a real warehouse dataset. Sign up: https://fernhill.example/events/ops-review"),
    ("10-16 17:20", "own_tip2", "Data quality tip: alert on row counts before you alert on metrics. If yesterday has 0 rows, the revenue chart is not 'down 100%'."),
    ("10-22 09:00", "own_pricing", "Pricing update: we're dropping per-seat pricing. Everyone on your team can view dashboards for free; you pay for editors and data volume. Details and FAQ: https://blog.fernhill.example/2026/10/pricing-update/"),
    ("10-27 14:40", "own_tip3", "Small thing we shipped today: dashboard links now remember your date range. Yes, finally."),
    ("11-02 11:15", "own_hiring", "We're hiring a support engineer (remote, UK/EU hours). You'll answer questions like 'why is this number different from the spreadsheet' and you'll usually be right. https://fernhill.example/jobs/support-engineer"),
    ("11-05 15:00", "own_blog3", "Moving from Metabase? We wrote a migration guide: questions, collections and most permissions carry over in an afternoon. https://blog.fernhill.example/2026/11/migrating-from-metabase/"),
    ("11-09 10:30", "own_tip4", "If your dashboard needs a legend to explain the colours, it probably needs fewer colours. #dataviz"),
    ("11-12 16:45", "own_status", "We're seeing delays on some scheduled exports in the EU region. Dashboards are unaffected. Updates on https://status.fernhill.example"),
    ("11-12 19:30", "own_status2", "Scheduled exports are catching up; the queue should be clear within the hour. Sorry to everyone whose Monday report came out late."),
    ("11-17 09:40", "own_blog4", "Five data quality checks you can set up before lunch (no new tools): freshness, volume, nulls, duplicates, and 'does it add up'. https://blog.fernhill.example/2026/11/data-quality-checks/"),
    ("11-19 13:00", "own_tip5", "Onboarding a new teammate? Share a dashboard 'tour': Fernhill now lets you pin notes to charts so the context travels with the numbers."),
    ("11-20 10:15", "own_friday", "Friday question: what's the one metric your team argues about the most? Ours is 'active account'. Three definitions, zero agreement."),
]

# --- key-client storylines ---------------------------------------------------------------------
def key_client_tweets() -> None:
    # Priya: steady ops chatter, a farewell hint, then the new role on 3 Nov.
    tw("priya", d("09-22 08:05"), "Monday ritual: coffee, the weekly on-time-delivery dashboard, and a quiet prayer that the Leeds depot numbers are a data error.", label="priya1")
    tw("priya", d("09-23 12:30"), "That's the one. We turned off four of those last quarter and nobody noticed, which says everything.", reply_to="own_blog1", label="priya_r1")
    tw("priya", d("09-30 18:02"), "Hot take: most 'real-time' ops dashboards should refresh daily. Real-time just means you panic faster.")
    tw("priya", d("10-06 07:45"), "Proud of the Brightpath night shift this week. Peak volume, zero missed cut-offs.")
    tw("priya", d("10-14 09:15"), "@fernhillhq the new goal lines are great. Our depot managers finally stopped asking 'is 94% good?'", label="priya_praise")
    tw("priya", d("10-24 17:40"), "Last day at Brightpath next week. Seven years, three warehouse moves, one pandemic. More soon.", label="priya_bye")
    tw("priya", d("11-03 09:12"), "Thrilled to share I've joined Acme Freight as VP Operations! Huge thanks to everyone at Brightpath for seven wonderful years. Now, who wants to tell me where the dashboards are? 😄", label="priya_newjob")
    tw("priya", d("11-06 19:20"), "First week at Acme: 3 warehouses visited, 11 spreadsheets found, 0 of them agree on what 'shipped' means. I love it here.")
    tw("priya", d("11-15 08:30"), "Anyone running ops reviews across multiple 3PLs with one dashboard? Asking for a very new VP.", label="priya_q")
    # Marcus: founder chatter, a teaser, the launch on 12 Nov.
    tw("marcus", d("09-25 11:00"), "Spent the morning on a container ship's bridge. Every screen up there is a dashboard and every one of them is beige.")
    tw("marcus", d("10-09 16:20"), "Wrote about why we started Tidewater and what we got wrong in year one: https://tidewaterlabs.example/2026/09/why-were-building-tidewater.html")
    tw("marcus", d("10-20 10:05"), "We're hiring our first data engineer at Tidewater. Small team, real ports, messy AIS data. https://tidewaterlabs.example/2026/10/hiring-first-data-engineer.html")
    tw("marcus", d("10-29 21:10"), "Something we've been building for a year ships in two weeks. 👀")
    tw("marcus", d("11-12 14:00"), "Today we're launching Tidewater Pulse: live berth and vessel ETAs for short-sea shippers, in one screen. A year of work from a team of six. https://tidewaterlabs.example/2026/11/introducing-tidewater-pulse.html", label="marcus_launch")
    tw("marcus", d("11-12 14:05"), "And yes, the ops charts inside Pulse are built on @fernhillhq embeds. Thanks for putting up with our 200 feature requests.", label="marcus_launch2")
    tw("marcus", d("11-13 09:30"), "Day one of Pulse: 140 signups, 2 bugs, 1 very tired team. Thank you all.")
    tw("marcus", d("11-19 12:00"), "Pulse, first week in numbers: https://tidewaterlabs.example/2026/11/pulse-first-week.html")
    # Helen: data chatter, then the move on 28 Oct.
    tw("helen", d("09-26 20:10"), "Finished migrating our last Airflow DAG to dbt + a cron. 200 lines of Python replaced by 14 lines of YAML. Not crying, you're crying.")
    tw("helen", d("10-07 12:25"), "@fernhillhq is there a way to set a default date range per dashboard? Our store managers keep landing on 'last 7 days' and panicking.", label="helen_q")
    tw("helen", d("10-15 08:50"), "Grocery data fact of the day: bananas are 2% of our revenue and 30% of our data quality incidents.")
    tw("helen", d("10-28 19:45"), "Big personal news: we're moving to Lisbon in January! Partner got the job, I get the pastéis de nata. Staying at Northwind, remote from Portugal.", label="helen_move")
    tw("helen", d("11-08 10:10"), "Lisbon apartment hunting from London is a data problem and I am losing.")
    tw("helen", d("11-18 21:00"), "Any data folks in Lisbon? Would love to find a meetup before I land in Jan.")
    # Daniel: CFO life, then a bereavement on 16 Nov.
    tw("daniel", d("09-28 07:30"), "Month-end close in four days this time. Small victories.")
    tw("daniel", d("10-19 09:05"), "The best finance dashboard is the one the CEO reads without calling me first. Getting closer, @fernhillhq.", label="daniel_praise")
    tw("daniel", d("11-02 16:40"), "Ran my first trail half marathon. Slow, muddy, and very happy.")
    tw("daniel", d("11-16 20:15"), "My dad passed away on Thursday. He taught me to read a balance sheet at the kitchen table when I was twelve. I'll be offline for a while. Hug your people.", label="daniel_loss")
    # Sofia: was happy, then exports failing, complaint on 18 Nov still unanswered.
    tw("sofia", d("09-27 14:15"), "Chart colour crimes I saw this week: a red/green diverging scale in a report for a colour-blind CEO. Please, I beg you.")
    tw("sofia", d("10-10 11:40"), "@fernhillhq the new export rebuild is noticeably faster for us. Board pack went out before 9 for the first time.", label="sofia_praise")
    tw("me", d("10-10 13:05"), "That's exactly the outcome we were hoping for. Thanks for telling us, Sofia!", reply_to="sofia_praise")
    tw("sofia", d("11-12 18:20"), "@fernhillhq scheduled exports stuck again in EU. Any ETA?", label="sofia_c0")
    tw("me", d("11-12 19:35"), "Sorry Sofia, we're on it; the queue is draining now and yours should land within the hour. Status updates here: https://status.fernhill.example", reply_to="sofia_c0")
    tw("sofia", d("11-18 08:47"), "@fernhillhq third failed scheduled export in a week. Our Monday board pack went out with blank charts and I got to explain that to our CFO. Not great.", label="sofia_complaint")
    tw("sofia", d("11-19 16:05"), "Still no reply from @fernhillhq support, ticket #48213 open since Tuesday. Starting to look at alternatives, which I really didn't want to do.", reply_to="sofia_complaint", label="sofia_complaint2")
    tw("priti", d("11-18 09:30"), "Same here, our Tuesday pipeline report was empty too.", reply_to="sofia_complaint")
    # Tom: a question that nobody answered (19 Nov).
    tw("tom", d("10-21 22:15"), "Trialling @fernhillhq this week. First impression: the SQL editor doesn't fight me. Second impression: why is there no dark mode.")
    tw("me", d("10-22 08:40"), "Dark mode is in beta! Settings -> Appearance -> 'Lights off'. Tell us what breaks.", reply_to=TWEETS[-1])
    tw("tom", d("11-06 13:00"), "Reading the Metabase migration guide from @fernhillhq. Looks sane. The devil will be in the permissions.")
    tw("tom", d("11-19 11:22"), "@fernhillhq does the Metabase importer keep row-level permissions, or do we have to rebuild them by hand? Trying to plan our migration before the trial ends on the 28th.", label="tom_q")
    # Grace: very active in September and early October, silent since 4 Oct.
    tw("grace", d("09-21 16:20"), "Love this. The saved filters fix alone saves my team an hour a week.", reply_to="own_welcome", label="grace1")
    tw("me", d("09-21 17:05"), "An hour a week is exactly the kind of number we like. Thank you Grace!", reply_to="grace1")
    tw("grace", d("09-24 17:00"), "Bookmarking this. Dashboard #3 is literally our marketing 'vanity wall'. @fernhillhq you're calling us out.", reply_to="own_blog1", label="grace2")
    tw("grace", d("09-26 10:30"), "Our campaign attribution dashboard in @fernhillhq is the first one our sales team opens unprompted. Small miracle.", label="grace3")
    tw("me", d("09-26 12:10"), "Framing this. Would you be up for a short case study sometime?", reply_to="grace3", label="grace3r")
    tw("grace", d("09-26 12:40"), "Absolutely. Ping me next month!", reply_to="grace3r")
    tw("grace", d("09-29 13:30"), "Ours is below 30%. Time for a spring clean in autumn.", reply_to="own_poll")
    tw("grace", d("10-02 11:30"), "Goal lines changed our weekly marketing review. Fewer 'is that good?' questions, more 'what do we do?'", reply_to="own_tip1", label="grace5")
    tw("grace", d("10-04 09:10"), "Team offsite today. Whiteboard says 'fewer dashboards, better questions'. Stealing that from @fernhillhq.", label="grace_last")
    # Kenji: praise (10 Nov) answered, Japanese praise (14 Nov) unanswered, hard negative (friend promoted).
    tw("kenji", d("10-05 03:10"), "Our warehouse in Saitama finally has a proper picking-rate chart. Small team, big smile.")
    tw("kenji", d("10-30 11:45"), "My old teammate Aiko just got promoted to Head of Data at her company. So deserved, so proud! 🎉", label="kenji_friend")
    tw("kenji", d("11-10 06:20"), "Huge thanks to @fernhillhq support. Ayo fixed our timezone bug in under an hour, at 11pm her time. This is how you keep customers.", label="kenji_praise")
    tw("me", d("11-10 09:00"), "Thank you Kenji, passing this straight to Ayo. Timezones: the final boss of analytics.", reply_to="kenji_praise")
    tw("kenji", d("11-14 02:30"), "@fernhillhq のダッシュボード、チーム全員が毎朝見るようになりました。日本語の日付表示もありがとうございます！", lang="ja", label="kenji_ja")


# --- inbound to us from non-key people: questions, complaints, praise, sarcasm ------------------
# (text, our answer or None for "we never answered", not before MM-DD or None)
QUESTIONS = [
    ("@fernhillhq can I connect Fernhill to a read replica instead of our primary Postgres? Our DBA is giving me the look.",
     "Yes! Point the connection at the replica host; we only ever read. Docs: https://help.fernhill.example/connections", None),
    ("@fernhillhq is there an API to create dashboards from code? We'd like to version them in git.",
     "Not yet, but it's on the roadmap for Q1. Happy to add you to the beta list; DM us your workspace name.", None),
    ("@fernhillhq do you support BigQuery with a service account per workspace, or one per org?",
     "Per workspace. Each workspace can hold its own service account.", None),
    ("@fernhillhq quick one: can viewers on the new free tier download CSVs, or only editors?",
     "Viewers can download CSVs of any chart they can see. Editors can schedule exports.", "10-22"),
    ("@fernhillhq how do you count 'data volume' in the new pricing? Rows scanned, rows stored, something else?",
     "Rows scanned per month, counted after caching. The FAQ has a worked example: https://blog.fernhill.example/2026/10/pricing-update/#faq", "10-22"),
    ("Hey @fernhillhq, does the Slack digest support threads? Ours posts 9 messages every morning.",
     "It can! Settings -> Integrations -> Slack -> 'Post as thread'.", None),
    ("@fernhillhq is SSO on every plan or only the top one? Asking before our security review asks me.",
     "SSO is on Team and above. Happy to walk your security folks through it.", None),
    ("@fernhillhq any plans for a Looker LookML importer? We have ~300 explores and I'm not rebuilding them by hand.",
     "It's the most requested importer after Metabase. No date yet; we'll post when there's a beta.", None),
    ("@fernhillhq can I embed a single chart in Notion or only full dashboards?",
     "Single charts work: Share -> Embed -> 'This chart only', then paste the link into Notion.", None),
    ("@fernhillhq what's the max rows for a scheduled CSV export? We hit a wall at 1M.",
     "1M rows per CSV is the limit today; bigger exports become a download link. DM us if you need more.", "10-08"),
    ("@fernhillhq do dashboards respect the viewer's timezone or the workspace timezone?",
     "Workspace timezone by default; you can switch a dashboard to viewer time in its settings.", None),
    ("@fernhillhq is there a way to see who viewed a dashboard? Want to prune the unloved ones.",
     "Yes: Admin -> Usage report lists views per dashboard for the last 90 days.", None),
    ("@fernhillhq does Fernhill work with DuckDB files on S3 yet?", None, None),
    ("@fernhillhq any student/nonprofit discount? Running analytics for a food bank.",
     "Yes, 50% for nonprofits. Email hello@fernhill.example and we'll sort it today.", None),
]
COMPLAINTS = [
    ("@fernhillhq your onboarding emails have sent me the same 'connect your first database' nudge four days in a row. I connected it on day one.",
     "That's on us, sorry. The nudge should stop once a source is connected; we're fixing the trigger this week.", None),
    ("@fernhillhq the new pricing page says 'free viewers' but my invoice still has 12 viewer seats on it. Which is it?",
     "Existing plans switch at renewal unless you opt in earlier. DM us your workspace and we'll move you today.", "10-22"),
    ("Dashboard took 40 seconds to load this morning. @fernhillhq is something up?",
     "Sorry about that. We had a slow query pool this morning, it's fixed now. Still slow for you?", None),
    ("@fernhillhq filters on embedded dashboards reset every time the page reloads. Customers are confused, and so am I.",
     "You're right, that's a bug. Fix is in next week's release; we'll reply here when it ships.", None),
    ("@fernhillhq the mobile view crops the y-axis labels on every bar chart. Makes our sales deck look broken.", None, None),
    ("@fernhillhq support told me a fix was 'on the roadmap' in July. It's November.",
     "You're right, and it shouldn't have taken this long. We've reopened it; an engineer will follow up directly.", "11-01"),
    ("Three hours lost to a @fernhillhq export that silently dropped every row with a null region. Fun Tuesday.",
     "That's a bad one, sorry. Can you DM your workspace name? We'd like to look at this today.", None),
    ("@fernhillhq why does changing a chart title need editor permissions? Our interns can't fix a typo.",
     "Fair point. We're changing that in next week's release.", "10-22"),
]
PRAISE = [
    ("Switched our weekly ops review to @fernhillhq. Meeting went from 50 minutes to 25. Nobody misses the slides.",
     "25 minutes back every week, we love to see it.", None),
    ("Shout-out to @fernhillhq for the pricing change. Free viewers means I can finally share dashboards with the warehouse floor.",
     "That's exactly why we did it. Thank you!", "10-22"),
    ("@fernhillhq the pinned chart notes are exactly what I wanted. Context next to the number, not in a Confluence page nobody reads.",
     None, "11-17"),
    ("Genuinely pleasant support experience with @fernhillhq today. A human, who read my message, and fixed it.",
     "This made our morning. Thank you!", None),
    ("Two weeks into @fernhillhq after four years of Looker. I don't miss LookML and I feel a bit guilty about that.",
     "No guilt allowed. Thanks for giving us a go!", None),
    ("The data quality checks post from @fernhillhq is the most practical thing I've read this month. Freshness + volume checks are live already.",
     None, "11-17"),
    ("Migrated 60 Metabase questions to @fernhillhq in one afternoon as promised. The guide was honest about what doesn't carry over, which I appreciated.",
     "Thanks for saying so! We'll pass it on to the team.", "11-05"),
    ("Whoever designed the @fernhillhq empty states: thank you. 'No data yet, here's why' beats a blank chart every time.",
     "Passing this to our designer, who will frame it.", None),
]
SARCASM = [
    "Wow @fernhillhq, love it when the export finishes in only 45 minutes. Truly blazing. 🐌",
    "Oh great, @fernhillhq moved the share button again. Really keeps the mind sharp.",
]
HOSTILE = ("@fernhillhq your chart titles don't escape HTML lol: <script>alert(1)</script> "
           "<img src=x onerror=alert(1)> try naming a dashboard that")
# --- neutral chatter (not about us): dashboards, pipelines, pricing, onboarding, BI tools, data quality
CHATTER = [
    "Every company has exactly one dashboard everyone trusts and it's a spreadsheet someone emails on Mondays.",
    "Reminder that 'data-driven' usually means 'we looked at a chart after we decided'.",
    "Spent the afternoon chasing a revenue mismatch. Root cause: one table in UTC, one in Europe/London. Every single time.",
    "Anyone moved off Looker recently? What did you land on and do you regret it?",
    "Metabase vs Superset vs something hosted for a 12-person company? Budget is 'please be cheap'.",
    "Unpopular opinion: pie charts are fine when there are two slices and one of them is tiny.",
    "Our onboarding checklist for new analysts has 43 steps. Step 1 is 'ask Ravi where the data is'.",
    "Data quality is a people problem wearing a SQL costume.",
    "Who else has a dashboard called 'FINAL v3 (use this one)'?",
    "Pricing pages that say 'contact us' for the plan I need are the reason I have trust issues.",
    "Pipelines don't fail loudly, they fail quietly on the 3rd of the month at 2am.",
    "If your metric needs a footnote, it needs a better name.",
    "Today I learned our 'active users' metric counts the health check bot. 14% of DAU was a cron job.",
    "Is dbt + DuckDB + a cheap BI tool a real stack for a small team now, or am I being naive?",
    "#dataviz tip: start the y-axis at zero for bars. For lines, do what makes the change honest.",
    "Three vendors demoed 'AI insights' to us this month. All three told me sales go down on weekends.",
    "Onboarding a new BI tool is 10% connecting the database and 90% convincing people to stop exporting to Excel.",
    "The real data pipeline was the Slack messages we sent along the way.",
    "Row counts before metrics. Freshness before row counts. Coffee before freshness.",
    "Looking for a Looker alternative that doesn't need a semantic layer PhD. Recommendations welcome.",
    "Our warehouse bill went down 30% after we deleted dashboards nobody opened. Cheapest optimisation ever.",
    "Hiring managers: 'must know Tableau, Looker, Power BI, Metabase and Qlik'. Sure, and I also juggle.",
    "A good ops dashboard fits on one screen and tells you where to walk next.",
    "Per-seat pricing for BI tools is a tax on sharing. Fight me.",
    "Null is not zero. Null is not zero. Null is not zero. (writing it 100 times on the whiteboard)",
    "First week as an analyst: 'why are there four customer tables?' Fifth year: 'there are only four?'",
    "Finally wrote tests for our orders pipeline. Two failed immediately. Good, I think?",
    "Dark mode dashboards on a wall TV in a bright warehouse: a cautionary tale.",
    "Self-serve analytics works when someone owns the definitions. Otherwise it's self-serve confusion.",
    "Spent the morning on #dataquality: deduped 40k customers who were the same six people.",
    "If I see one more 3D bar chart in a board deck I'm going to start billing for my eye doctor.",
    "Data contracts are just 'please tell me before you rename the column' with extra steps. I'm for it.",
    "Switching BI tools is easy. Switching the 200 bookmarks people have to the old one is not.",
    "Ops folks: what's your single most useful daily metric? Mine is orders not shipped by 2pm.",
    "Our CFO wants a 'real-time' P&L. I want a nap. We compromised on daily.",
    "Wrote a 5-line SQL check that would have caught last quarter's billing incident. Sigh.",
    "Data engineers be like 'it works on my warehouse'.",
    "Trying Metabase on DuckDB for a side project and honestly it's fun.",
    "Slowly replacing a 'dashboard' that's actually 37 tabs of pivot tables. Day 4. Send snacks.",
    "Hot take: the best data onboarding doc is a glossary and a list of who to ask.",
    "The #dataviz community is so generous. Asked for feedback on a chart, got 30 thoughtful replies and zero snark.",
    "Anyone else's 'single source of truth' have a sibling called 'single source of truth (2)'?",
    "Learning window functions feels like discovering a secret room in a house you've lived in for years.",
    "Just watched a 90-minute meeting about a metric that changed by 0.3%. Within noise. We did not mention noise.",
    "Pipeline finished. Numbers look right. Immediately suspicious.",
    "Vendor pricing that scales with 'events' is a trap for anyone with an IoT device.",
    "Thinking about writing a post on killing dashboards. Would anyone read that?",
    "Every ops team I talk to has the same three charts: volume, on-time, and 'what happened in Leeds'.",
    "Onboarding tip: give new hires one dashboard to own in week one. They learn the data by defending it.",
    "The hardest part of data quality is deciding who gets the 2am page.",
]
# hard negatives and oddities: must not trigger alerts or reach-outs on their own
HARD_NEGATIVES = [
    ("ben", "09-30 18:45", "So proud of my friend Jess, who got promoted to Director of Operations today! Drinks on me tonight.", "en"),
    ("aaron", "10-25 10:10", "Update for everyone who asked: we're not moving after all. Landlord blinked, lease renewed. Staying in Leeds. 🎉", "en"),
    ("mike", "11-09 21:30", "Lost the five-a-side final 4-0. Devastated. Never speaking of it again.", "en"),
    ("noah", "10-18 20:00", "Launching my rocket-shaped birthday cake into the bin after that attempt. Baking is hard.", "en"),
    ("hannah", "11-11 12:15", "Not thrilled to share that I have joined the ranks of people who broke prod on a Friday. It was a Wednesday, but still.", "en"),
    ("bea", "10-12 14:20", "Alguém aqui já migrou do Metabase para outra ferramenta de BI? Quero saber como foi com as permissões.", "pt"),
    ("leo", "10-26 09:40", "Unser Metabase-Server ist heute wieder dreimal abgestürzt. Ich schaue mir jetzt Alternativen an, Tipps willkommen.", "de"),
    ("lucas", "11-04 19:05", "¿Alguien usa dashboards para operaciones de almacén? Busco ideas para medir la productividad sin volver loco al equipo.", "es"),
    ("yuki", "11-07 04:30", "物流のダッシュボード、結局一番見られているのは「今日の出荷残数」だけ。シンプルが一番。", "ja"),
]


def build_x() -> None:
    for when, label, text in OWN:
        tw("me", d(when), text, label=label)
    key_client_tweets()

    own_targets = [LABELS[l] for _, l, _ in OWN]

    def inbound(entries: list[tuple], recent_unanswered: int) -> None:
        entries = list(entries)
        RNG.shuffle(entries)
        for i, (text, answer, not_before) in enumerate(entries):
            author = filler_author()
            lo = max(START + timedelta(days=1), d(not_before + " 10:00") if not_before else START)
            recent = i < recent_unanswered or lo > NOW - timedelta(days=5)
            if recent:  # the latest few stay unanswered for the queue
                when = rand_time(max(lo, NOW - timedelta(days=4)), NOW - timedelta(hours=2))
            else:
                when = rand_time(lo, NOW - timedelta(days=4))
            parent = None
            if RNG.random() < 0.35:  # some are replies under one of our tweets
                earlier = [t for t in own_targets if t["created_at"] < when - timedelta(hours=1)]
                if earlier:
                    parent = RNG.choice(earlier[-6:])
            rec = tw(author, when, text, reply_to=parent)
            if answer and not recent:
                rt = rec["created_at"] + timedelta(minutes=RNG.randrange(20, 20 * 60))
                if rt.hour < 7:  # we're a UK team: nights wait until the morning
                    rt = rt.replace(hour=7) + timedelta(minutes=RNG.randrange(15, 120))
                tw("me", min(rt, NOW - timedelta(hours=3)), answer, reply_to=rec)

    inbound(QUESTIONS, 3)
    inbound(COMPLAINTS, 2)
    inbound(PRAISE, 1)
    tw("dev", d("11-12 20:10"), SARCASM[0])
    tw("owen", d("10-28 15:30"), SARCASM[1])
    tw("anon", d("11-20 07:55"), HOSTILE, label="hostile")
    tw("spam", d("11-01 03:33"), "@fernhillhq 🚀 10x your dashboards with AI!!! DM for collab 💰💰 #dataviz #crypto")
    tw("suspended", d("10-21 02:02"), "@fernhillhq get 5000 followers fast, link in bio", label="suspended")

    # the rest of the world: chatter, hard negatives, a few retweets and quote tweets
    for text in CHATTER:
        tw(filler_author(), rand_time(), text)
    for author, when, text, lang in HARD_NEGATIVES:
        tw(author, d(when), text, lang=lang)
    # conversations among others (threads with replies)
    threads = [
        ("pete", "Ex-Looker admin AMA: ask me anything about migrating 400 explores. I have seen things.",
         [("dev", "What broke first?"), ("pete", "Permissions. Always permissions. Then the one dashboard the CEO uses that nobody documented."),
          ("ravi", "Did you keep a semantic layer or go back to plain SQL?"), ("pete", "Plain SQL plus a glossary. Controversial, but we ship faster.")]),
        ("jamal", "We're hiring two analytics engineers at Parcelwise. Remote in UK/EU. dbt, DuckDB, a little Python, a lot of curiosity.",
         [("tariq", "Is freelance-to-perm an option?"), ("jamal", "Yes! DM me."), ("will", "Would you consider a new grad?")]),
        ("nina", "Made a chart of warehouse picking rates by hour and it looks like a city skyline. #dataviz",
         [("chloe", "This is gorgeous. What tool?"), ("nina", "Sketch in Figma, final in a BI tool, polished by hand. Like all good charts."),
          ("yuki", "Night shift is the skyline's tallest tower, which tracks.")]),
        ("jo", "Thread on SaaS pricing for data tools: seats vs usage vs value. 1/ Seats punish sharing. 2/ Usage punishes success. 3/ Value is hard to measure, which is why nobody does it.",
         [("gus", "Seen this play out. Usage pricing made our customers afraid to open dashboards."), ("zara", "From the investor side: usage pricing gets rewarded, until churn shows up."),
          ("jo", "Exactly the tension. Best I've seen: free viewers, paid builders.")]),
        ("ivan", "Post-mortem culture question: do you name the pipeline that broke or the person who shipped it? (Correct answer: the pipeline.)",
         [("ola", "Pipeline, always. Blameless or nothing."), ("ivan", "Sadly our incident tracker has a field called 'culprit'.")]),
        ("carla", "Churn is a lagging indicator. Dashboard logins are a leading one. If your customer stops opening your product, call them before the renewal email.",
         [("maya", "We built exactly this alert. Caught three at-risk accounts in the first month."), ("carla", "Love that. What threshold did you use?"), ("maya", "Two weeks below their own average.")]),
        ("rachel", "Dumb question: why does my COUNT(*) differ from COUNT(user_id)?",
         [("dev", "Not dumb! COUNT(user_id) skips NULLs."), ("rachel", "...there are 800 NULL user_ids. Thank you. I have a new problem now."), ("fatima", "Welcome to data quality. We have snacks.")]),
    ]
    for root_author, root_text, replies in threads:
        root = tw(root_author, rand_time(START, NOW - timedelta(days=3)), root_text)
        prev = root
        for who, text in replies:
            prev = tw(who, prev["created_at"] + timedelta(minutes=RNG.randrange(5, 300)), text, reply_to=prev)
    # template chatter for volume: opener + observation (still hand-written fragments)
    openers = ["Honestly,", "PSA:", "Week 3 of the migration:", "Small win:", "Note to self:", "Controversial, but",
               "Can confirm:", "From the ops floor:", "Lesson learned:", "Today's reminder:"]
    observations = [
        "the dashboard nobody opens is still costing you warehouse credits.",
        "naming a metric is harder than computing it.",
        "a CSV export is a feature request in disguise.",
        "the fastest query is the one behind a dashboard you deleted.",
        "your data pipeline is only as good as its least documented step.",
        "'just add a filter' is how dashboards become cockpits.",
        "the onboarding doc is out of date the day you write it, write it anyway.",
        "every BI tool is great in the demo dataset.",
        "the weekly ops review is better with three charts than thirty.",
        "data quality checks belong next to the data, not in someone's memory.",
        "if sales and finance disagree on revenue, both dashboards are right and both are wrong.",
        "pricing by seat made us hide dashboards from the people who needed them.",
        "a goal line on a chart saves a meeting.",
        "the Metabase to anything migration is 20% questions and 80% permissions.",
        "the intern with the spreadsheet usually knows where the bodies are buried.",
    ]
    combos = [(o, b) for o in openers for b in observations]
    RNG.shuffle(combos)
    for o, b in combos[:70]:
        tw(filler_author(), rand_time(), f"{o} {b}")
    # retweets and a quote of ours
    for label, who in (("own_pricing", "jo"), ("own_blog4", "lena"), ("own_blog1", "nina"), ("own_hiring", "tariq")):
        src = LABELS[label]
        tw(who, src["created_at"] + timedelta(hours=RNG.randrange(1, 30)), f"RT @fernhillhq: {src['text']}", retweet=label)
    tw("zara", LABELS["own_pricing"]["created_at"] + timedelta(hours=3),
       "Free viewers, paid builders. More data tools should do this. Watching how it lands.", quote="own_pricing", label="zara_quote")
    tw("lena", LABELS["own_blog4"]["created_at"] + timedelta(hours=5),
       "This is the list I'd give a new team too. Adding one: check that your checks ran.", quote="own_blog4")
    tw("kate", d("11-03 10:02"), "Welcome to the team! The dashboards are... a journey. Coffee first.", reply_to="priya_newjob")
    tw("sara", d("10-28 20:30"), "Lisbon!! Northwind's first remote data lead. We'll miss the office bakes.", reply_to="helen_move")
    tw("zara", d("11-12 14:40"), "Congrats Marcus and team! Watching Pulse closely.", reply_to="marcus_launch")
    tw("ravi", d("11-17 08:00"), "So sorry, Daniel. Thinking of you and your family.", reply_to="daniel_loss")


# =============================================================================================
# X: serialisation (v2 response pages as twarc2 writes them)
# =============================================================================================

TWITTER_EPOCH_MS = 1288834974657
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{1,15})")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_URL = re.compile(r"https?://[^\s]+")


def x_user(key: str) -> dict:
    p = PEOPLE[key]
    return {
        "id": p["x_id"], "username": p["x"], "name": p["name"], "description": p["bio"],
        "created_at": p["x_created"].strftime("%Y-%m-%dT%H:%M:%S.000Z"), "protected": False, "verified": False,
        "public_metrics": {"followers_count": p["followers"], "following_count": RNG.randrange(50, 900),
                           "tweet_count": RNG.randrange(200, 15000), "listed_count": RNG.randrange(0, 120),
                           "like_count": RNG.randrange(100, 20000)},
    }


def finalize_tweets() -> None:
    TWEETS.sort(key=lambda t: t["created_at"])
    last = 0
    for t in TWEETS:
        ms = int(t["created_at"].timestamp() * 1000) - TWITTER_EPOCH_MS
        tid = (ms << 22) | (RNG.randrange(1024) << 12) | RNG.randrange(4096)
        tid = max(tid, last + 1)
        last = tid
        t["id"] = str(tid)
        parent = t["reply_to"]
        if parent is not None and parent["author"] != t["author"]:
            t["text"] = reply_text(parent, t["text"])
    for t in TWEETS:
        root = t
        while root["reply_to"] is not None:
            root = root["reply_to"]
        t["conversation_id"] = root["id"]
    replies: dict[str, int] = {}
    for t in TWEETS:
        if t["reply_to"] is not None:
            replies[t["reply_to"]["id"]] = replies.get(t["reply_to"]["id"], 0) + 1
    for t in TWEETS:
        followers = PEOPLE[t["author"]]["followers"] if t["author"] in PEOPLE else 10
        likes = int(RNG.random() ** 2 * followers / 40) + RNG.randrange(3)
        t["metrics"] = {"retweet_count": likes // 9, "reply_count": replies.get(t["id"], 0), "like_count": likes,
                        "quote_count": likes // 40, "bookmark_count": likes // 15,
                        "impression_count": likes * RNG.randrange(20, 60) + RNG.randrange(30, 200)}


def x_author_id(t: dict) -> str:
    return SUSPENDED_X_ID if t["author"] == "suspended" else PEOPLE[t["author"]]["x_id"]


def tweet_json(t: dict) -> dict:
    text = t["text"]
    obj: dict = {
        "id": t["id"], "text": text, "author_id": x_author_id(t),
        "created_at": t["created_at"].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "conversation_id": t["conversation_id"], "lang": t["lang"],
        "edit_history_tweet_ids": [t["id"]], "possibly_sensitive": False,
        "reply_settings": "everyone", "public_metrics": t["metrics"],
    }
    refs = []
    if t["reply_to"] is not None:
        obj["in_reply_to_user_id"] = x_author_id(t["reply_to"])
        refs.append({"type": "replied_to", "id": t["reply_to"]["id"]})
    if t["quote"] is not None:
        refs.append({"type": "quoted", "id": t["quote"]["id"]})
    if t["retweet"] is not None:
        refs.append({"type": "retweeted", "id": t["retweet"]["id"]})
    if refs:
        obj["referenced_tweets"] = refs
    entities: dict = {}
    mentions = []
    for m in _MENTION.finditer(text):
        key = BY_X.get(m.group(1))
        if key:
            mentions.append({"start": m.start(), "end": m.end(), "username": m.group(1), "id": PEOPLE[key]["x_id"]})
    if mentions:
        entities["mentions"] = mentions
    tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG.finditer(text)]
    if tags:
        entities["hashtags"] = tags
    urls = []
    for m in _URL.finditer(text):
        u = m.group(0).rstrip(".,)")
        urls.append({"start": m.start(), "end": m.start() + len(u), "url": u, "expanded_url": u,
                     "display_url": u.split("://", 1)[1][:40]})
    if urls:
        entities["urls"] = urls
    if entities:
        obj["entities"] = entities
    return obj


def x_pages(tweets: list[dict], page_size: int, url: str, retrieved_at: datetime) -> list[dict]:
    tweets = sorted(tweets, key=lambda t: t["created_at"], reverse=True)  # the API returns newest first
    pages = []
    chunks = [tweets[i:i + page_size] for i in range(0, len(tweets), page_size)] or [[]]
    for n, chunk in enumerate(chunks):
        user_keys: list[str] = []
        ref_tweets: list[dict] = []

        def want(key: str) -> None:
            if key != "suspended" and key not in user_keys:
                user_keys.append(key)

        for t in chunk:
            want(t["author"])
            for m in _MENTION.finditer(t["text"]):
                if m.group(1) in BY_X:
                    want(BY_X[m.group(1)])
            for ref in (t["reply_to"], t["quote"], t["retweet"]):
                if ref is not None:
                    want(ref["author"])
                    if ref not in ref_tweets and ref["author"] != "suspended":
                        ref_tweets.append(ref)
        page: dict = {"data": [tweet_json(t) for t in chunk], "includes": {"users": [x_user(k) for k in user_keys]}}
        if ref_tweets:
            page["includes"]["tweets"] = [tweet_json(r) for r in ref_tweets]
        meta: dict = {"result_count": len(chunk)}
        if chunk:
            meta["newest_id"], meta["oldest_id"] = chunk[0]["id"], chunk[-1]["id"]
        if n + 1 < len(chunks):
            meta["next_token"] = "b26v89c19zqg8o3f" + format(RNG.getrandbits(40), "x")
        page["meta"] = meta
        page["__twarc"] = {"url": url if n == 0 else f"{url}&pagination_token={pages[-1]['meta']['next_token']}",
                           "version": TWARC_VERSION,
                           "retrieved_at": (retrieved_at + timedelta(seconds=2 * n)).isoformat()}
        pages.append(page)
    return pages


X_FIELDS = ("tweet.fields=attachments,author_id,conversation_id,created_at,entities,id,in_reply_to_user_id,lang,"
            "public_metrics,referenced_tweets,reply_settings,text&user.fields=created_at,description,id,name,"
            "public_metrics,username,verified&expansions=author_id,entities.mentions.username,in_reply_to_user_id,"
            "referenced_tweets.id,referenced_tweets.id.author_id&max_results=100")


def write_jsonl(path: Path, objs: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for o in objs:
            fh.write(json.dumps(o, ensure_ascii=False, separators=(",", ":")) + "\n")


def write_x() -> dict:
    finalize_tweets()
    me = PEOPLE["me"]
    key_keys = {p["key"] for p in KEY}
    own = [t for t in TWEETS if t["author"] == "me"]
    mentions = [t for t in TWEETS if t["author"] != "me" and re.search(r"@fernhillhq\b", t["text"], re.I)]
    clients = [t for t in TWEETS if t["author"] in key_keys]
    covered = {id(t) for t in own + mentions + clients}
    search = [t for t in TWEETS if id(t) not in covered]
    # the search query also matches some mentions (duplicates across files are normal; storage dedupes)
    topical = [t for t in mentions if re.search(r"metabase|looker|pricing|dashboard|export", t["text"], re.I)]
    search += RNG.sample(topical, min(10, len(topical)))
    stamp = NOW - timedelta(minutes=5)
    base = "https://api.twitter.com/2"
    write_jsonl(OUT / "x" / "own_tweets.jsonl",
                x_pages(own, 30, f"{base}/users/{me['x_id']}/tweets?{X_FIELDS}&start_time=2026-09-21T00:00:00Z", stamp))
    write_jsonl(OUT / "x" / "mentions.jsonl",
                x_pages(mentions, 25, f"{base}/users/{me['x_id']}/mentions?{X_FIELDS}&start_time=2026-09-21T00:00:00Z", stamp))
    pages = []
    for p in KEY:
        mine = [t for t in clients if t["author"] == p["key"]]
        pages += x_pages(mine, 100, f"{base}/users/{PEOPLE[p['key']]['x_id']}/tweets?{X_FIELDS}&start_time=2026-09-21T00:00:00Z", stamp)
    write_jsonl(OUT / "x" / "clients_timelines.jsonl", pages)
    q = "(dashboard OR metabase OR looker OR \"data quality\" OR pipeline OR #dataviz OR pricing OR onboarding) -is:retweet"
    write_jsonl(OUT / "x" / "search.jsonl",
                x_pages(search, 100, f"{base}/tweets/search/all?query={q}&{X_FIELDS}&start_time=2026-09-21T00:00:00Z", stamp))
    return {"own_tweets.jsonl": len(own), "mentions.jsonl": len(mentions), "clients_timelines.jsonl": len(clients),
            "search.jsonl": len(search), "unique": len(TWEETS)}


# =============================================================================================
# Reddit: threads (submission + comment tree), hand-written
# =============================================================================================
# comment tuple: (author, body, parent index in this thread's comment list or None for top level, hours after parent)
# authors are reddit usernames; "fernhill_team" is us; "[deleted]" is an account that no longer exists.

R_THREADS = [
    ("BusinessIntelligence", "fernhill_team", "09-23 15:00",
     "We're the team behind Fernhill (small-team BI). Ask us anything about the dashboards nobody opens",
     "Hi r/BusinessIntelligence! We're five people building Fernhill, a BI tool for small B2B teams. We just wrote about the five dashboards we see teams build and never open. Mods okayed this thread. Ask us anything: pricing, how we query your warehouse, why there's no pie chart button.",
     [("gwhitfield", "Customer here (marketing side). The attribution dashboard we built with you is the first one our sales team opens unprompted. Question: what's on your own team's wall screen?", None, 2),
      ("fernhill_team", "Thanks Grace! Ours shows three things: trial signups, failed scheduled exports, and support tickets older than a day. The second one keeps us honest.", 0, 1),
      ("sql_goblin", "How do you query the warehouse? Do you copy data or go direct?", None, 3),
      ("fernhill_team", "Direct, always. We cache results for a configurable time, but your data stays in your warehouse.", 2, 2),
      ("pipeline_pat", "Every BI vendor says 'for small teams' until the pricing page. What does it actually cost?", None, 5),
      ("fernhill_team", "Fair. Today it's per seat, $19/editor and $9/viewer. We're reworking that and will post here when it changes.", 4, 1),
      ("csv_enjoyer", "Can I get my data out as CSV without talking to sales?", None, 20),
      ("fernhill_team", "Yes, any chart, any plan. No sales call, we promise.", 6, 3)]),
    ("dataengineering", "ravi_c", "09-25 09:30",
     "DuckDB + dbt + a cheap BI tool for a 10-person company: sane, or am I setting a trap for future me?",
     "We're a 10 person e-commerce company. Data is ~40 GB, Postgres + Shopify + ads. I'd like to avoid a cloud warehouse bill for now. Plan: dbt-duckdb, a nightly job, and a hosted BI tool reading the DuckDB file. What breaks first?",
     [("hkowal", "We ran almost exactly this at Northwind for a year before moving to a warehouse. What broke first: concurrent writes. Keep one writer, everything else reads.", None, 2),
      ("ihorvat", "Sane. Put the DuckDB file on a disk with snapshots and write a freshness check. That's 90% of the ops.", None, 4),
      ("ravi_c", "One writer noted. What did you use for BI on top?", 0, 3),
      ("hkowal", "Fernhill at the end, Metabase before that. Either is fine at that size, pick the one your non-data people actually open.", 2, 5),
      ("etl_or_elt", "Trap for future you is the day marketing asks for hourly. Decide now what you'll say.", None, 9)]),
    ("analytics", "priya_r_ops", "10-01 07:50",
     "How do you run a weekly ops review without 40 charts?",
     "Our ops review has grown to 40 charts across 6 dashboards and the meeting is an hour of scrolling. I want to get it to one screen. What do you keep, what do you kill? Logistics, 4 depots, ~300 staff.",
     [("carla_m", "Three questions, one chart each: did we do what we promised (on-time), can we keep doing it (capacity), and what surprised us (exceptions list). Everything else is a drill-down.", None, 3),
      ("gwhitfield", "Marketing version of the same problem. We cut ours to 6 charts with goal lines and the meeting halved.", None, 5),
      ("fernhill_team", "We see this a lot. A trick that works: for two weeks, log which charts anyone actually talks about in the meeting. Kill the rest, keep them one click away.", None, 6),
      ("priya_r_ops", "Love the logging idea. Doing it from Monday.", 2, 4),
      ("[deleted]", "Just show the exceptions. Nobody needs to see the 95% that went fine.", None, 12),
      ("enovak", "Grocery ops here: we put the exceptions list at the top and it changed the tone of the whole meeting.", None, 26)]),
    ("BusinessIntelligence", "pdonnelly", "10-05 18:20",
     "Looker alternatives in 2026? Honest experiences please, not vendor posts",
     "Ex-Looker admin here, new company, blank slate. 25 people, Snowflake, no appetite for a semantic layer project. Shortlist: Metabase, Superset, Fernhill, Lightdash. What did you pick and what do you regret?",
     [("leo_fischer", "Metabase for 6 years. Great until you need permissions per row. Then it's a workaround festival.", None, 1),
      ("bi_throwaway_19", "Tried Fernhill. Nice UI, but exports were flaky for us in September and support took 3 days. Might be better now.", None, 3),
      ("fernhill_team", "Fernhill team here. That's fair for September, we rebuilt scheduled exports and wrote up what went wrong: https://blog.fernhill.example/2026/10/rebuilding-scheduled-exports/ . Happy to look at your account if you DM us.", 1, 4),
      ("dashboard_dan", "Lightdash if you're already on dbt. Otherwise Metabase and accept the quirks.", None, 6),
      ("pdonnelly", "Thanks all. Permissions seem to be the theme.", None, 20),
      ("null_is_not_zero", "Whatever you pick, write down your metric definitions first. The tool won't save you from three definitions of 'active'.", None, 30)]),
    ("FernhillAnalytics", "fernhill_team", "10-08 16:05",
     "Scheduled exports rebuild: postmortem and Q&A",
     "We rebuilt scheduled exports over the last six weeks. Two of those weeks were worse than before, and some of you felt it. The full postmortem is on the blog. Ask anything here; we'll answer every question.",
     [("sofia_lq", "Noticeably faster for us since last Friday. Board pack out before 9 for the first time. Thanks for being open about the bad weeks.", None, 20),
      ("fernhill_team", "Thank you Sofia, that's the goal. Tell us the moment anything slips.", 0, 2),
      ("jwright_data", "Do exports now retry on warehouse timeouts, or fail straight away?", None, 30),
      ("fernhill_team", "Three retries with backoff, then an email to the owner. You can change the recipient in the schedule settings.", 2, 3)]),
    ("dataengineering", "ihorvat", "10-15 12:00",
     "What's your cheapest data quality win?",
     "Not tools. What single check caught the most problems for the least effort?",
     [("lena_dq", "Row count vs the same weekday last week, alert on a 50% drop. Embarrassingly simple, catches most upstream breakages.", None, 1),
      ("null_is_not_zero", "NOT NULL tests on every foreign key. Half our 'missing revenue' was orphaned rows.", None, 2),
      ("fzahra", "Freshness on the source tables, not the models. If Shopify stopped syncing, nothing downstream can be right.", None, 3),
      ("ihorvat", "Freshness on sources is underrated, agreed.", 2, 2),
      ("sql_goblin", "Unique test on order_id. Found a retry bug in our ingestion that doubled 1% of orders.", None, 8),
      ("metricsmonk", "Honest answer: asking the finance team if the number looks right. They always know.", None, 12)]),
    ("analytics", "rkim", "10-20 19:10",
     "Junior analyst: how do I onboard myself onto a messy data stack?",
     "Started 3 weeks ago. No docs, four customer tables, two BI tools. My manager is lovely but busy. Where do I start?",
     [("amy_c", "Pick the one dashboard leadership looks at. Trace every number on it back to a table. You'll learn the important 20% of the stack in a week.", None, 2),
      ("quiet_analyst_22", "Start a glossary doc on day one, even if it's just for you. Future teammates will worship you.", None, 4),
      ("rkim", "The glossary idea is great, starting today. Thank you!", 0, 6),
      ("devp", "Ask 'who would notice if this table disappeared?' for each table. The answers are your org chart.", None, 9)]),
    ("SaaS", "jo_whit", "10-23 10:30",
     "Fernhill dropped per-seat pricing for free viewers + paid editors. Smart or desperate?",
     "Small BI vendor Fernhill just moved from per-seat to free viewers, paid editors plus data volume. I think this is the right model for internal tools but curious how founders here read it.",
     [("gus_a", "Smart. Per-seat punishes the exact behaviour you want, which is sharing.", None, 1),
      ("metricsmonk", "Oh sure, 'free viewers', until the data volume line item shows up and eats the savings. Love that for us.", None, 2),
      ("fernhill_team", "Fernhill here. Fair worry. For 9 out of 10 customers the new bill is lower; for the heaviest 10% it's flat or up a little. The FAQ has a calculator.", 1, 3),
      ("[deleted]", "[removed]", None, 4),
      ("sam_okafor", "As a customer of several tools: the model matters less than not changing it every year.", None, 7),
      ("jo_whit", "This is the underrated point.", 4, 2)]),
    ("BusinessIntelligence", "beacosta", "10-13 14:30",
     "Metabase to anything migration: permissions horror stories?",
     "Planning a migration off Metabase for a Brazilian retailer (about 300 questions, 40 collections). Everyone says 'permissions will hurt'. How much?",
     [("leo_fischer", "Collections map fine almost everywhere. Row-level sandboxes don't map anywhere cleanly. Budget a week for those.", None, 2),
      ("pdonnelly", "Inventory who actually uses what before migrating. We dropped 60% of questions and nobody complained.", None, 5),
      ("beacosta", "Obrigada! The 60% number is encouraging.", 1, 8)]),
    ("SaaS", "sam_okafor", "10-30 16:00",
     "Our onboarding emails were annoying users. What we changed",
     "We sent 9 onboarding emails in 14 days, triggered by time. Switched to 3 emails triggered by what people actually did (or didn't). Unsubscribes down 70%, activation up a bit. Happy to share the triggers.",
     [("carla_m", "Behaviour-triggered is the way. Time-triggered emails are how you tell a customer you weren't paying attention.", None, 2),
      ("pipeline_pat", "Please share the triggers!", None, 3),
      ("sam_okafor", "1) no data source after 24h, 2) first dashboard viewed by a second person, 3) nobody logged in for 7 days. That's it.", 1, 2)]),
    ("analytics", "gwhitfield", "09-28 11:00",
     "Marketing attribution dashboard the sales team actually uses: what worked for us",
     "Long-time lurker. After years of attribution dashboards nobody trusted, we built one sales opens unprompted. What worked: one page, last-touch and first-touch side by side (no fancy model), a goal line per channel, and pinned notes explaining weird weeks. Built in Fernhill, but the ideas work anywhere.",
     [("tessm", "Side by side first/last touch is such a good compromise. Stealing.", None, 3),
      ("gwhitfield", "Please do! The pinned notes were the real win.", 0, 1),
      ("fernhill_team", "Thanks for writing this up, Grace. The 'explain weird weeks' notes are the feature we're most proud of.", None, 5),
      ("gwhitfield", "You earned it. See you at the customer dinner next month!", 2, 2)]),
    ("dataengineering", "hkowal", "11-02 17:30",
     "Any data folks working remotely from Lisbon? Relocating in January",
     "Moving from London to Lisbon in January and staying with my employer remotely. Looking for meetups, coworking with decent wifi, and general advice about working UK hours from Portugal.",
     [("beacosta", "Welcome (almost)! There's a monthly data meetup in Lisbon, usually near Cais do Sodré. Same timezone as London most of the year, which helps.", None, 4),
      ("hkowal", "Same timezone is a huge relief, thank you!", 0, 3),
      ("tariq_h", "Did this two years ago. Get the NIF sorted before you arrive, everything else is easy.", None, 11)]),
    ("analytics", "katem", "11-04 08:40",
     "New VP wants one dashboard for three 3PLs. Where do I start?",
     "Our new VP of Ops (started this week, very sharp) wants one view across our three third-party warehouses. Each sends data differently: API, SFTP CSV, and an emailed spreadsheet. Tool-agnostic advice welcome.",
     [("priya_r_ops", "Hi, I'm the new VP 😅 Kate, this is great. Start with the emailed spreadsheet, it's the one that will break.", None, 5),
      ("aaron_b", "3PL ops here: agree on the definition of 'shipped' before building anything. Each warehouse will mean something different.", None, 6),
      ("katem", "Ha, hi Priya! Spreadsheet first, got it.", 0, 1),
      ("etl_or_elt", "Land all three raw, untouched. Transform later. You'll thank yourself when one of them changes format without telling you.", None, 9)]),
    ("datavisualization", "chart_crimes", "11-05 20:00",
     "Please stop using red/green diverging scales in business reports",
     "About 1 in 12 men can't tell them apart. Blue/orange works for almost everyone. That's the post.",
     [("ninap", "Blue/orange forever. Also check it in greyscale, people still print things.", None, 1),
      ("sofia_lq", "I have said this in three companies. It's my hill.", None, 4),
      ("chart_crimes", "Greyscale check is a great tip.", 0, 6)]),
    ("FernhillAnalytics", "tomreyes_dev", "11-07 10:15",
     "Metabase importer: are row-level permissions (sandboxes) carried over?",
     "Trial user at Quillfeather. The migration guide says 'most permissions carry over'. We use Metabase sandboxes for client-level row filtering. Does the importer bring those across, or do we recreate them? Need to know before we commit.",
     [("quiet_analyst_22", "Following, same question here.", None, 30),
      ("leo_fischer", "Would also like to know. Sandboxes are the reason I haven't migrated.", None, 50)]),
    ("dataengineering", "etl_or_elt", "11-11 09:00",
     "Pipeline failed silently for 3 days. How do you alert on missing data, not just failed jobs?",
     "Job succeeded every night. It just loaded zero rows, because the upstream API started returning an empty page. Three days of empty dashboards before a human noticed. How do you catch 'success but nothing happened'?",
     [("fernhill_team", "Row count per load compared with the same weekday last week; alert if it drops below, say, 50%. Run it as a separate job so a broken pipeline can't skip its own check.", None, 2),
      ("null_is_not_zero", "And alert on 0 explicitly. 0 rows is never 'a quiet day'.", None, 3),
      ("etl_or_elt", "Separate job is the key insight, thank you.", 0, 4),
      ("ihorvat", "We also record the max(updated_at) per source and page if it's older than expected.", None, 7)]),
    ("analytics", "fzahra", "11-14 13:20",
     "What's a meaningful 'dashboard usage' metric?",
     "Client wants to know if their dashboards are 'used'. Views are meaningless (auto-refreshing TV screens). What do you measure?",
     [("amy_c", "Distinct viewers per week who also clicked something (filter, drill, export). Passive views don't count.", None, 2),
      ("carla_m", "Whether anyone would complain if it disappeared. Hide it for a week and count complaints.", None, 3),
      ("fzahra", "The scream test! Love it.", 1, 2)]),
    ("FernhillAnalytics", "fernhill_team", "11-17 10:00",
     "New: pinned chart notes, and a practical data quality checks guide",
     "Two things this week: you can now pin notes to charts (they show up for everyone who views the dashboard), and we published five data quality checks you can set up before lunch. Feedback welcome, especially the harsh kind.",
     [("devp", "Pinned notes are great. Can they be exported with the PDF?", None, 3),
      ("qwerty_8812", "your notes don't escape html <script>alert(1)</script> <img src=x onerror=alert(1)> good luck", None, 20),
      ("enovak", "Set up the freshness and volume checks from the guide in 20 minutes. Already caught a stale supplier feed. Thanks!", None, 30),
      ("fernhill_team", "Love hearing that, thanks for trying it so fast!", 2, 3)]),
    ("BusinessIntelligence", "sofia_lq", "11-18 09:10",
     "Anyone else seeing Fernhill scheduled exports fail this week?",
     "Third failure in a week for us: exports run, emails go out, charts are blank. Support ticket open since Tuesday with no reply. Is it just us? u/fernhill_team, any update?",
     [("priti_s", "Same team as Sofia, confirming. Tuesday's pipeline report was empty too.", None, 1),
      ("csv_enjoyer", "Had one blank export on Monday, fine since. EU region.", None, 3),
      ("dashboard_dan", "Not a Fernhill user, but blank-chart-emails is the worst failure mode. A failed email would be better than a wrong one.", None, 5),
      ("sofia_lq", "Exactly. I'd rather get 'export failed' than a blank chart going to the board.", 2, 2)]),
    ("BusinessIntelligence", "dashboard_dan", "11-19 15:40",
     "Per-seat vs usage pricing: which BI vendor has the least painful model right now?",
     "Renewal season. Looker quote went up 30%. Looking at Metabase Cloud, Fernhill, Lightdash. Anyone compared total cost at ~50 viewers and 5 editors?",
     [("jo_whit", "At 50 viewers and 5 editors, anything with free viewers wins by a mile. Check how each counts 'usage'.", None, 2),
      ("bi_throwaway_19", "u/fernhill_team how do you count data volume exactly? The pricing page is vague.", None, 3),
      ("pdonnelly", "Ask every vendor for the bill of a real customer your size. The good ones will show you.", None, 6)]),
    ("SaaS", "fernhill_team", "11-20 08:00",
     "We're hiring a support engineer (remote, UK/EU hours)",
     "Fernhill is a 6-person analytics company. We're hiring someone who enjoys 'why is this number different from the spreadsheet' questions. Remote, UK/EU hours, salary on the post: https://fernhill.example/jobs/support-engineer",
     [("tariq_h", "Is SQL required or nice to have?", None, 3)]),
    ("dataengineering", "onilsen", "09-27 13:00",
     "Superset vs Metabase for a 5-person team with no dedicated data person?",
     "We're a small product team in Oslo. Postgres only. Nobody wants to own a BI tool. Which is less work to keep alive?",
     [("leo_fischer", "Metabase, no contest, for that profile. Superset is more powerful and more work.", None, 2),
      ("ravi_c", "Or a hosted tool so nobody has to keep anything alive. Your time is the expensive part.", None, 4),
      ("onilsen", "Hosted is probably right. We'll trial a couple.", 1, 5)]),
]


def b36(n: int) -> str:
    chars = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while n:
        n, r = divmod(n, 36)
        s = chars[r] + s
    return s or "0"


def reddit_items() -> tuple[list[dict], list[dict]]:
    """Returns (submissions, comments) as internal records with times and parents resolved."""
    subs, comments = [], []
    for sub, author, when, title, selftext, tree in R_THREADS:
        t3 = dict(kind="t3", sub=sub, author=author, created=d(when), title=title, selftext=selftext, children=[])
        subs.append(t3)
        recs = []
        for author_c, body, parent_idx, hours in tree:
            parent = t3 if parent_idx is None else recs[parent_idx]
            created = parent["created"] + timedelta(hours=hours, minutes=RNG.randrange(0, 50))
            if created > NOW - timedelta(minutes=10):
                created = NOW - timedelta(minutes=RNG.randrange(10, 90))
            rec = dict(kind="t1", sub=sub, author=author_c, created=created, body=body, parent=parent, link=t3)
            recs.append(rec)
            comments.append(rec)
        t3["num_comments"] = len(recs)
    # ids increase with time, as Reddit's do
    n = int("1nk0a00", 36)
    for t in sorted(subs, key=lambda r: r["created"]):
        n += RNG.randrange(900, 4000) * 7
        t["id"] = b36(n)
    n = int("lq80000", 36)
    for c in sorted(comments, key=lambda r: r["created"]):
        n += RNG.randrange(2000, 9000) * 3
        c["id"] = b36(n)
        assert c["created"] > c["parent"]["created"], c["body"]
    return subs, comments


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:50].rstrip("_")


def t3_json(t: dict) -> dict:
    deleted = t["author"] == "[deleted]"
    permalink = f"/r/{t['sub']}/comments/{t['id']}/{_slug(t['title'])}/"
    data = {
        "id": t["id"], "name": "t3_" + t["id"], "title": t["title"], "selftext": t["selftext"],
        "author": t["author"], "subreddit": t["sub"], "subreddit_name_prefixed": "r/" + t["sub"],
        "created_utc": float(int(t["created"].timestamp())), "permalink": permalink,
        "url": "https://www.reddit.com" + permalink, "num_comments": t["num_comments"],
        "score": RNG.randrange(1, 240), "upvote_ratio": round(RNG.uniform(0.7, 0.99), 2), "is_self": True,
        "over_18": False, "link_flair_text": None, "domain": "self." + t["sub"],
    }
    if not deleted:
        data["author_fullname"] = reddit_fullname(t["author"])
    return {"kind": "t3", "data": data}


def t1_json(c: dict) -> dict:
    link = c["link"]
    parent = c["parent"]
    parent_name = ("t3_" if parent["kind"] == "t3" else "t1_") + parent["id"]
    deleted = c["author"] == "[deleted]"
    data = {
        "id": c["id"], "name": "t1_" + c["id"], "body": c["body"], "author": c["author"],
        "parent_id": parent_name, "link_id": "t3_" + link["id"], "subreddit": c["sub"],
        "created_utc": float(int(c["created"].timestamp())),
        "permalink": f"/r/{c['sub']}/comments/{link['id']}/{_slug(link['title'])}/{c['id']}/",
        "score": RNG.randrange(-3, 90) if c["body"] != "[removed]" else 1, "replies": "",
        "link_title": link["title"], "is_submitter": c["author"] == link["author"], "controversiality": 0,
    }
    if not deleted:
        data["author_fullname"] = reddit_fullname(c["author"])
    return {"kind": "t1", "data": data}


_T2: dict[str, str] = {}


def reddit_fullname(user: str) -> str:
    for p in PEOPLE.values():
        if p.get("reddit") == user:
            return p["t2"]
    if user not in _T2:
        _T2[user] = "t2_" + "".join(RNG.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))
    return _T2[user]


def listings(things: list[tuple[datetime, dict]], page_size: int) -> list[dict]:
    things = sorted(things, key=lambda x: x[0], reverse=True)
    out = []
    for i in range(0, max(len(things), 1), page_size):
        chunk = [t for _, t in things[i:i + page_size]]
        more = i + page_size < len(things)
        out.append({"kind": "Listing", "data": {
            "after": chunk[-1]["data"]["name"] if more and chunk else None, "dist": len(chunk),
            "modhash": "", "geo_filter": "", "children": chunk, "before": None}})
    return out


def write_reddit() -> dict:
    subs, comments = reddit_items()
    client_handles = {p["reddit"] for p in KEY if p["reddit"]}
    ours_t3 = [(t["created"], t3_json(t)) for t in subs if t["author"] == "fernhill_team"]
    ours_t1 = [(c["created"], t1_json(c)) for c in comments if c["author"] == "fernhill_team"]
    own_sub = [(t["created"], t3_json(t)) for t in subs if t["sub"] == "FernhillAnalytics"]
    search = [(t["created"], t3_json(t)) for t in subs if t["sub"] != "FernhillAnalytics" and t["author"] != "fernhill_team"]
    others_t1 = [(c["created"], t1_json(c)) for c in comments if c["author"] != "fernhill_team"]
    write_jsonl(OUT / "reddit" / "search.jsonl", listings(search, 10))
    write_jsonl(OUT / "reddit" / "subreddit_comments.jsonl", listings(others_t1, 40))
    write_jsonl(OUT / "reddit" / "user_fernhill_team.jsonl", listings(ours_t3 + ours_t1, 25))
    write_jsonl(OUT / "reddit" / "r_fernhillanalytics_new.jsonl", listings(own_sub, 25))
    pages = []
    for p in KEY:
        if not p["reddit"]:
            continue
        mine = [(t["created"], t3_json(t)) for t in subs if t["author"] == p["reddit"]]
        mine += [(c["created"], t1_json(c)) for c in comments if c["author"] == p["reddit"]]
        pages += listings(mine, 25)
    write_jsonl(OUT / "reddit" / "key_clients_overview.jsonl", pages)
    assert client_handles
    return {"t3": len(subs), "t1": len(comments), "unique": len(subs) + len(comments)}


# =============================================================================================
# Blogs
# =============================================================================================

FERNHILL_POSTS = [
    dict(slug="five-dashboards-to-retire", path="2026/09/five-dashboards-to-retire/", pid=371, when="09-24 15:00",
         title="Five dashboards every ops team should retire", category="Dashboards",
         summary="The vanity wall, the meeting fossil, the everything-board and two more dashboards you can switch off this week.",
         html="""<p>Every ops team we work with has a few dashboards that nobody opens but everybody is afraid to delete. Here are the five we see most often, and what to replace them with.</p>
<h2>1. The everything-board</h2>
<p>Forty charts, six tabs, one scroll bar the length of a motorway. Replace it with <strong>three questions and one chart each</strong>.</p>
<h2>2. The meeting fossil</h2>
<p>Built for one meeting in 2023, still refreshing every 15 minutes. Check the view log: if nobody opened it in 60 days, hide it.</p>
<h2>3. The vanity wall</h2>
<p>Big numbers that only go up. Lovely on a TV, useless for decisions. Add a goal line or retire it.</p>
<h2>4. The copy of a copy</h2>
<p>"Revenue (Sam's version)". Merge, name an owner, delete the rest.</p>
<h2>5. The real-time board that nobody watches in real time</h2>
<p>Refresh daily. You'll save warehouse credits and panic less.</p>
<p>Want to see which of your dashboards are unloved? <a href="https://help.fernhill.example/usage-report">The usage report</a> lists them.</p>"""),
    dict(slug="rebuilding-scheduled-exports", path="2026/10/rebuilding-scheduled-exports/", pid=384, when="10-08 15:45",
         title="How we rebuilt scheduled exports (and what broke along the way)", category="Engineering",
         summary="A postmortem with charts: six weeks, two bad weeks, and exports that are now 4x faster.",
         html="""<p>Scheduled exports are the most-used feature in Fernhill that nobody talks about: about 11,000 CSVs and PDFs go out every Monday morning.</p>
<p>In August they were slow and occasionally silent. We rebuilt the pipeline. Here is what we changed, and the two weeks where it got <em>worse</em> before it got better.</p>
<ul><li>Exports now run on their own queue, separate from dashboard queries.</li>
<li>Warehouse timeouts retry three times with backoff, then email the owner.</li>
<li>A blank chart is now treated as a failure, not a success. (This was the big one.)</li></ul>
<p>Median export time went from 4m10s to 58s. The full timeline is in <a href="https://status.fernhill.example/incidents/2026-09">the incident log</a>.</p>"""),
    dict(slug="pricing-update", path="2026/10/pricing-update/", pid=395, when="10-22 08:30",
         title="Pricing update: per-seat is going away", category="Company",
         summary="Free viewers, paid editors, and data volume. What changes, what doesn't, and a calculator.",
         html="""<p>From 1 November, everyone on your team can <strong>view</strong> dashboards for free. You pay for editors (people who build and change charts) and for data volume (rows scanned per month, after caching).</p>
<p>Why: per-seat pricing made our customers hide dashboards from the people who needed them most, like warehouse leads and store managers.</p>
<p>Existing customers keep their current price until renewal and can choose either model. The <a href="https://fernhill.example/pricing#calculator">calculator</a> shows both.</p>
<h2 id="faq">FAQ</h2>
<p><strong>Is a filter change an edit?</strong> No. Filters, drill-downs and exports are viewer actions.</p>"""),
    dict(slug="migrating-from-metabase", path="2026/11/migrating-from-metabase/", pid=402, when="11-05 14:30",
         title="Migrating from Metabase to Fernhill in an afternoon", category="Guides",
         summary="Questions, collections and most permissions carry over. Here's what doesn't, honestly.",
         html="""<p>We've helped 30 teams move from Metabase. Most finish in an afternoon. This guide covers the importer, what it maps, and what you'll redo by hand.</p>
<h2>What carries over</h2>
<ul><li>Saved questions (SQL and GUI) become charts.</li><li>Collections become folders, with their group permissions.</li><li>Dashboards keep their layout and filters.</li></ul>
<h2>What doesn't (yet)</h2>
<p>Data sandboxes (row-level permissions) need recreating as row policies. Custom SQL that uses Metabase snippet syntax needs a small edit.</p>
<p>Try it on a copy first. The importer is read-only against your Metabase instance.</p>
<p>Here's a live example dashboard migrated from the Metabase sample database:</p>
<div class="fernhill-embed" data-dashboard="demo-metabase"></div>
<script src="https://cdn.fernhill.example/embed.js" async></script>
<script>window.fernhillEmbed && window.fernhillEmbed.init({theme: "light"});</script>"""),
    dict(slug="data-quality-checks", path="2026/11/data-quality-checks/", pid=412, when="11-17 09:30",
         title="Five data quality checks you can set up before lunch", category="Data quality",
         summary="Freshness, volume, nulls, duplicates, and 'does it add up'. No new tools required.",
         html="""<p>You don't need a data observability platform to catch most problems. You need five checks and somewhere to send the alert.</p>
<ol><li><strong>Freshness:</strong> is the newest row in each source table recent enough?</li>
<li><strong>Volume:</strong> row count vs. the same weekday last week. Alert below 50%.</li>
<li><strong>Nulls:</strong> foreign keys and money columns should not be NULL. NULL is not zero.</li>
<li><strong>Duplicates:</strong> a unique check on every natural key.</li>
<li><strong>Does it add up:</strong> orders minus refunds equals what finance says.</li></ol>
<p>Each one is a single SQL query. We put examples for Postgres, BigQuery and Snowflake in <a href="https://help.fernhill.example/dq-checks">the help centre</a>.</p>"""),
]

# (post slug, comment author, when, text, in-reply-to index within that post or None)
FERNHILL_COMMENTS = {
    "five-dashboards-to-retire": [
        ("Grace Whitfield", "09-25 10:05", "Number 3 is our marketing vanity wall, word for word. Sharing this with the whole team.", None),
        ("Fernhill Team", "09-25 12:00", "Thanks Grace! Let us know which one you retire first.", 0),
        ("Pete Donnelly", "09-26 19:40", "Missing one: the dashboard built for a single board meeting in 2021 that still refreshes every 15 minutes and costs more than my car.", None),
        ("Ravi Chandran", "09-28 08:15", "Great list. How do you convince the person who built it? That's the actual hard part.", None),
        ("Fernhill Team", "09-28 10:30", "Hide it for two weeks instead of deleting it. If nobody asks, the conversation gets much easier.", 3),
        ("Grace Whitfield", "10-01 16:20", "Update: we retired two. Nobody noticed. 😂", None),
    ],
    "rebuilding-scheduled-exports": [
        ("Sofia Lindqvist", "10-09 09:10", "Thanks for the honesty. The retry section answered exactly what I was going to ask.", None),
        ("Jamal Wright", "10-10 13:30", "What's the max export size after the rebuild?", None),
        ("Fernhill Team", "10-10 15:05", "1M rows per CSV and 25 MB per email attachment; bigger ones become a download link.", 1),
        ("Ivan Horvat", "10-12 21:00", "Postmortems with charts should be the norm. 'A blank chart is a failure' is a great rule.", None),
    ],
    "pricing-update": [
        ("Gus Almeida", "10-22 10:00", "Finally. Per-seat pricing for viewers never made sense.", None),
        ("Maya Goldberg", "10-23 09:45", "What counts as an editor? If someone changes a filter on a dashboard, are they an editor now?", None),
        ("Fernhill Team", "10-23 11:20", "No, filters, drill-downs and exports are viewer actions. Editors create or change saved charts and dashboards.", 1),
        ("Owen Price", "10-24 17:05", "Our bill goes up under this. Three editors, a lot of data. Not thrilled, honestly.", None),
        ("Fernhill Team", "10-24 18:30", "Sorry Owen. You keep your current price until renewal and can pick either model then. We'll email you both numbers this week.", 3),
        ("Jo Whitaker", "10-25 12:00", "Good write-up. The calculator is a nice touch, more vendors should show the maths.", None),
        ("Ingrid Berg", "10-27 14:40", "Will invoices break down data volume per dashboard? Finance will ask me the first month.", None),
    ],
    "migrating-from-metabase": [
        ("Leo Fischer", "11-05 18:10", "What about Metabase sandboxes? That's the part I'm worried about.", None),
        ("Fernhill Team", "11-06 09:00", "Sandboxes need recreating as row policies for now, about five minutes each. A sandbox importer is planned.", 0),
        ("Beatriz Costa", "11-07 12:30", "Ótimo guia, obrigada! Vou testar com uma cópia na semana que vem.", None),
        ("Pete Donnelly", "11-09 20:15", "Tried it on a copy of our instance: about 90% carried over. Custom SQL with Metabase variables needed hand edits.", None),
        ("Tom Reyes", "11-17 14:30", "We have about 40 sandboxes, one per client. Is there any way to bulk-create the row policies, from a CSV or the API? Our trial ends on the 28th and this decides it.", None),
    ],
    "data-quality-checks": [
        ("Lena Hartmann", "11-17 12:00", "Great list. I'd add a sixth: check that your checks ran.", None),
        ("Fernhill Team", "11-17 13:00", "Monitoring the monitors. Adding it to the post!", 0),
        ("Emma Novak", "11-18 08:20", "Freshness and volume checks set up in 20 minutes. Caught a stale supplier feed already.", None),
        ("qwerty_8812", "11-19 02:10", "<script>alert(1)</script> <img src=x onerror=alert(1)> lol does your comment box escape this", None),
        ("Fatima Zahra", "11-19 15:00", "Does the 'does it add up' check work across two databases? Our orders live in Postgres and refunds in BigQuery.", None),
        ("Rachel Kim", "11-20 09:00", "As a junior analyst, this is the most useful post I've read this month. Thank you!", None),
    ],
}

TIDEWATER_POSTS = [
    dict(pid="5803917713304418856", path="2026/09/why-were-building-tidewater.html", when="09-30 08:00",
         title="Why we're building Tidewater", labels=["company"],
         html="<p>Short-sea shipping moves a third of Europe's freight and still runs on phone calls and PDFs.</p><p>We spent a year on quays and bridges asking one question: <em>when will it actually arrive?</em> Tidewater is our answer.</p><p>Year one mistakes, honestly: we built for ports before we built for shippers. Fixed now.</p>"),
    dict(pid="2214908850516632704", path="2026/10/hiring-first-data-engineer.html", when="10-20 09:30",
         title="We're hiring our first data engineer", labels=["hiring"],
         html="<p>We're six people. Our data is AIS pings, berth schedules and a lot of emails. You'd own the pipeline that turns it into ETAs.</p><p>Remote in Europe, two trips a year to a real port. <a href=\"https://tidewaterlabs.example/jobs\">Apply here</a>.</p>"),
    dict(pid="8890124476511109931", path="2026/11/introducing-tidewater-pulse.html", when="11-12 13:55",
         title="Introducing Tidewater Pulse", labels=["launch", "product"],
         html="<p>Today we're launching <strong>Tidewater Pulse</strong>: live berth and vessel ETAs for short-sea shippers, in one screen.</p><p>Pulse predicts arrival within 40 minutes for 87% of calls across 31 North Sea ports. The operations charts inside are embedded from <a href=\"https://fernhill.example\">Fernhill</a>, who put up with a lot of feature requests from us.</p><p>Free for the first 10 vessels. <a href=\"https://tidewaterlabs.example/pulse\">Try it</a>.</p><script>trackLaunch('pulse')</script>"),
    dict(pid="3371650092248813025", path="2026/11/pulse-first-week.html", when="11-19 11:45",
         title="Pulse: the first week in numbers", labels=["product"],
         html="<p>140 signups on day one, 412 by day seven. 61% added a second vessel. Two bugs, both fixed the same day.</p><p>Thank you to everyone who tried it and told us what broke.</p>"),
]
TIDEWATER_COMMENTS = {
    "5803917713304418856": [("Priya Raman", "10-01 07:30", "Coastal freight needs this so badly. Rooting for you, Marcus.", None),
                            ("Marcus Oyelaran", "10-01 09:10", "Thank you Priya! Coffee next time you're in Rotterdam.", 0)],
    "2214908850516632704": [("Fernhill Team", "10-20 12:00", "Great role for anyone who likes messy data and real ships. Sharing with our network!", None),
                            ("Tariq Hassan", "10-21 10:40", "Is this open to contractors?", None),
                            ("Marcus Oyelaran", "10-21 13:15", "For the first three months, yes. Email me.", 1)],
    "8890124476511109931": [("Zara Ahmed", "11-12 15:10", "Congratulations Marcus and team! A beautiful launch.", None),
                            ("Kate Murphy", "11-12 17:45", "We'd love to trial this at Acme Freight. Who should I talk to?", None),
                            ("Anonymous", "11-13 06:20", "Does it cover Baltic ports?", None),
                            ("Marcus Oyelaran", "11-13 08:05", "Baltic is next quarter! Sign up and we'll tell you first.", 2),
                            ("Sam Okafor", "11-14 19:30", "Congrats! The ETA screen is gorgeous.", None)],
    "3371650092248813025": [("Priya Raman", "11-19 18:20", "61% adding a second vessel in week one is excellent. Congrats to the whole team!", None),
                            ("Jamal Wright", "11-20 09:40", "Would love to hear how six people onboarded 400 signups in a week.", None)],
}

DQ_POSTS = [
    dict(slug="did-the-checks-run", when="10-03 07:00", title="The check nobody runs: did the checks run?",
         html="<p>Your freshness check is green. Is it green because the data is fresh, or because the check didn't run? Monitor your monitors.</p><p>This week: three ways to alert on a missing check run, from a cron heartbeat to a row in a <code>check_runs</code> table.</p>"),
    dict(slug="small-team-dq-roundup", when="10-31 07:00", title="Tool roundup: data quality for small teams",
         html="<p>You have two data people and no budget. What works?</p><ul><li>dbt tests, if you already use dbt.</li><li>Plain SQL checks scheduled by your BI tool: Metabase alerts, Fernhill checks, Superset reports.</li><li>A spreadsheet of expected row counts. Seriously.</li></ul><p>Pick one, make it page someone, and write down who.</p>"),
    dict(slug="null-is-not-zero-again", when="11-14 07:00", title="Null is not zero (again)",
         html="<p>A reader's revenue dashboard showed a 12% drop. It was NULL regions being silently filtered by a join. Third time this year I've written this: <strong>NULL is not zero, and it is not 'other'</strong>.</p><p><a href=\"https://dqweekly.example/archive\">Archive</a></p>"),
]


def rfc822(dt: datetime) -> str:
    return format_datetime(dt, usegmt=False).replace("-0000", "+0000")


def cdata(s: str) -> str:
    return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def wp_comment_html(text: str) -> str:
    # WordPress stores what the commenter typed with HTML escaped, and wraps it in <p>
    return "<p>" + escape(text) + "</p>\n"


def write_blogs() -> dict:
    counts = {"posts": 0, "comments": 0}
    # --- Fernhill (WordPress RSS 2.0 + per-post comment feeds) ---
    base = "https://blog.fernhill.example/"
    items = []
    comment_id = 210
    for post in sorted(FERNHILL_POSTS, key=lambda p: d(p["when"]), reverse=True):
        url = base + post["path"]
        comments = FERNHILL_COMMENTS.get(post["slug"], [])
        items.append(f"""	<item>
		<title>{escape(post['title'])}</title>
		<link>{url}</link>
		<comments>{url}#comments</comments>
		<dc:creator>{cdata('Fernhill Team')}</dc:creator>
		<pubDate>{rfc822(d(post['when']))}</pubDate>
		<category>{cdata(post['category'])}</category>
		<guid isPermaLink="false">{base}?p={post['pid']}</guid>
		<description>{cdata(post['summary'] + ' [&#8230;]')}</description>
		<content:encoded>{cdata(post['html'])}</content:encoded>
		<wfw:commentRss>comments/{post['slug']}.xml</wfw:commentRss>
		<slash:comments>{len(comments)}</slash:comments>
	</item>""")
        counts["posts"] += 1
        c_items, ids = [], []
        for author, when, text, parent in comments:
            comment_id += RNG.randrange(1, 6)
            ids.append(comment_id)
            body = wp_comment_html(text)
            if parent is not None:
                body = f'<p>In reply to <a href="{url}#comment-{ids[parent]}">{escape(comments[parent][0])}</a>.</p>\n' + body
            plain = re.sub(r"<[^>]+>", "", body).strip()
            c_items.append(f"""	<item>
		<title>By: {escape(author)}</title>
		<link>{url}#comment-{comment_id}</link>
		<dc:creator>{cdata(author)}</dc:creator>
		<pubDate>{rfc822(d(when))}</pubDate>
		<guid isPermaLink="false">{base}?p={post['pid']}#comment-{comment_id}</guid>
		<description>{cdata(plain)}</description>
		<content:encoded>{cdata(body)}</content:encoded>
	</item>""")
            counts["comments"] += 1
        c_items.reverse()  # newest first, like WordPress
        last = max((d(w) for _, w, _, _ in comments), default=d(post["when"]))
        comment_feed = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	>
<channel>
	<title>Comments on: {escape(post['title'])}</title>
	<atom:link href="{url}feed/" rel="self" type="application/rss+xml" />
	<link>{url}</link>
	<description>Notes from the Fernhill Analytics team</description>
	<lastBuildDate>{rfc822(last)}</lastBuildDate>
	<sy:updatePeriod>hourly</sy:updatePeriod>
	<sy:updateFrequency>1</sy:updateFrequency>
	<generator>https://wordpress.org/?v=6.6.2</generator>
{chr(10).join(c_items)}
</channel>
</rss>
"""
        path = OUT / "blogs" / "fernhill" / "comments" / f"{post['slug']}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(comment_feed, encoding="utf-8")
    feed = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	>
<channel>
	<title>Fernhill Blog</title>
	<atom:link href="{base}feed/" rel="self" type="application/rss+xml" />
	<link>{base}</link>
	<description>Notes from the Fernhill Analytics team</description>
	<lastBuildDate>{rfc822(d('11-17 09:30'))}</lastBuildDate>
	<language>en-GB</language>
	<sy:updatePeriod>hourly</sy:updatePeriod>
	<sy:updateFrequency>1</sy:updateFrequency>
	<generator>https://wordpress.org/?v=6.6.2</generator>
{chr(10).join(items)}
</channel>
</rss>
"""
    (OUT / "blogs" / "fernhill" / "feed.xml").write_text(feed, encoding="utf-8")

    # --- Tidewater (Blogger-style Atom + per-entry Atom comment feeds) ---
    blog_id = "4417730269195023398"
    tbase = "https://tidewaterlabs.example/"
    marcus = "<author><name>Marcus Oyelaran</name><uri>https://www.blogger.com/profile/06811734290551822214</uri><email>noreply@blogger.com</email></author>"
    entries = []
    for post in sorted(TIDEWATER_POSTS, key=lambda p: d(p["when"]), reverse=True):
        url = tbase + post["path"]
        tag = f"tag:blogger.com,1999:blog-{blog_id}.post-{post['pid']}"
        published = d(post["when"]).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
        comments = TIDEWATER_COMMENTS.get(post["pid"], [])
        cats = "".join(f"<category scheme='http://www.blogger.com/atom/ns#' term='{l}'/>" for l in post["labels"])
        entries.append(
            f"<entry><id>{tag}</id><published>{published}</published><updated>{published}</updated>{cats}"
            f"<title type='text'>{escape(post['title'])}</title><content type='html'>{escape(post['html'])}</content>"
            f"<link rel='replies' type='application/atom+xml' href='comments/{post['pid']}.xml' title='Post Comments'/>"
            f"<link rel='replies' type='text/html' href='{url}#comment-form' title='{len(comments)} Comments'/>"
            f"<link rel='self' type='application/atom+xml' href='{tbase}feeds/posts/default/{post['pid']}'/>"
            f"<link rel='alternate' type='text/html' href='{url}' title={quoteattr(post['title'])}/>"
            f"{marcus}<thr:total>{len(comments)}</thr:total></entry>")
        counts["posts"] += 1
        c_entries = []
        for author, when, text, parent in comments:
            cid = str(RNG.randrange(10**18, 10**19))
            ts = d(when)
            author_xml = (f"<author><name>{escape(author)}</name><email>noreply@blogger.com</email></author>"
                          if author != "Marcus Oyelaran" else marcus)
            c_entries.append((ts,
                f"<entry><id>tag:blogger.com,1999:blog-{blog_id}.post-{cid}</id>"
                f"<published>{ts.strftime('%Y-%m-%dT%H:%M:%S.000+00:00')}</published><updated>{ts.strftime('%Y-%m-%dT%H:%M:%S.000+00:00')}</updated>"
                f"<title type='text'>{escape(text[:40] + ('...' if len(text) > 40 else ''))}</title>"
                f"<content type='html'>{escape(escape(text))}</content>"
                f"<link rel='self' type='application/atom+xml' href='{tbase}feeds/{post['pid']}/comments/default/{cid}'/>"
                f"<link rel='alternate' type='text/html' href='{url}?showComment={int(ts.timestamp() * 1000)}#c{cid}' title=''/>"
                f"{author_xml}"
                f"<thr:in-reply-to href='{url}' ref='{tag}' source='{tbase}feeds/posts/default/{post['pid']}' type='text/html'/>"
                f"<gd:extendedProperty name='blogger.itemClass' value='pid-{RNG.randrange(10**8, 10**9)}'/></entry>"))
            counts["comments"] += 1
        c_entries.sort(key=lambda x: x[0], reverse=True)
        updated = (c_entries[0][0] if c_entries else d(post["when"])).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
        cfeed = ("<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
                 "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' xmlns:blogger='http://schemas.google.com/blogger/2008' "
                 "xmlns:gd='http://schemas.google.com/g/2005' xmlns:thr='http://purl.org/syndication/thread/1.0'>"
                 f"<id>tag:blogger.com,1999:blog-{blog_id}.post{post['pid']}..comments</id><updated>{updated}</updated>"
                 f"<title type='text'>Comments on Tidewater Labs: {escape(post['title'])}</title>"
                 f"<link rel='http://schemas.google.com/g/2005#feed' type='application/atom+xml' href='{tbase}feeds/{post['pid']}/comments/default'/>"
                 f"<link rel='self' type='application/atom+xml' href='{tbase}feeds/{post['pid']}/comments/default'/>"
                 f"<link rel='alternate' type='text/html' href='{url}'/>"
                 f"{marcus}<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>"
                 f"<openSearch:totalResults>{len(c_entries)}</openSearch:totalResults><openSearch:startIndex>1</openSearch:startIndex>"
                 f"<openSearch:itemsPerPage>25</openSearch:itemsPerPage>"
                 + "".join(e for _, e in c_entries) + "</feed>\n")
        path = OUT / "blogs" / "tidewater" / "comments" / f"{post['pid']}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(cfeed, encoding="utf-8")
    updated = d("11-19 11:45").strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
    atom = ("<?xml version='1.0' encoding='UTF-8'?><?xml-stylesheet href=\"http://www.blogger.com/styles/atom.css\" type=\"text/css\"?>"
            "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
            "xmlns:blogger='http://schemas.google.com/blogger/2008' xmlns:georss='http://www.georss.org/georss' "
            "xmlns:gd='http://schemas.google.com/g/2005' xmlns:thr='http://purl.org/syndication/thread/1.0'>"
            f"<id>tag:blogger.com,1999:blog-{blog_id}</id><updated>{updated}</updated>"
            "<category term='launch'/><category term='hiring'/><category term='company'/><category term='product'/>"
            "<title type='text'>Tidewater Labs</title><subtitle type='html'>Notes from a small team building tools for short-sea freight.</subtitle>"
            f"<link rel='http://schemas.google.com/g/2005#feed' type='application/atom+xml' href='{tbase}feeds/posts/default'/>"
            f"<link rel='self' type='application/atom+xml' href='{tbase}feeds/posts/default'/>"
            f"<link rel='alternate' type='text/html' href='{tbase}'/>"
            f"{marcus}<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>"
            f"<openSearch:totalResults>{len(entries)}</openSearch:totalResults><openSearch:startIndex>1</openSearch:startIndex>"
            "<openSearch:itemsPerPage>25</openSearch:itemsPerPage>" + "".join(entries) + "</feed>\n")
    (OUT / "blogs" / "tidewater" / "feed.xml").write_text(atom, encoding="utf-8")

    # --- Data Quality Weekly (plain RSS 2.0, no comments) ---
    dbase = "https://dqweekly.example/"
    ditems = []
    for post in sorted(DQ_POSTS, key=lambda p: d(p["when"]), reverse=True):
        url = f"{dbase}p/{post['slug']}"
        ditems.append(f"""    <item>
      <title>{escape(post['title'])}</title>
      <link>{url}</link>
      <guid isPermaLink="true">{url}</guid>
      <dc:creator>Lena Hartmann</dc:creator>
      <pubDate>{rfc822(d(post['when']))}</pubDate>
      <description>{escape(post['html'])}</description>
    </item>""")
        counts["posts"] += 1
    rss = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Data Quality Weekly</title>
    <link>{dbase}</link>
    <atom:link href="{dbase}feed" rel="self" type="application/rss+xml"/>
    <description>One practical data quality idea a week, by Lena Hartmann.</description>
    <language>en</language>
    <lastBuildDate>{rfc822(d('11-14 07:00'))}</lastBuildDate>
{chr(10).join(ditems)}
  </channel>
</rss>
"""
    (OUT / "blogs" / "dqweekly" / "feed.xml").parent.mkdir(parents=True, exist_ok=True)
    (OUT / "blogs" / "dqweekly" / "feed.xml").write_text(rss, encoding="utf-8")
    return counts


# =============================================================================================
# config fragment and README
# =============================================================================================

TOPICS = {
    "dashboards": dict(keywords=["dashboard", "dashboards", "chart", "charts", "ops review", "wall screen"],
                       phrases=["nobody opens", "weekly ops review", "goal line", "one screen"], hashtags=["dashboards"]),
    "data_pipelines": dict(keywords=["pipeline", "pipelines", "dbt", "duckdb", "airflow", "etl", "elt", "warehouse"],
                           phrases=["failed silently", "loaded zero rows", "data pipeline"], hashtags=["dataengineering"]),
    "data_quality": dict(keywords=["freshness", "nulls", "duplicates", "row count", "row counts"],
                         phrases=["data quality", "null is not zero", "check that your checks ran"], hashtags=["dataquality"]),
    "pricing": dict(keywords=["pricing", "per-seat", "invoice", "bill", "discount"],
                    phrases=["free viewers", "data volume", "per seat", "usage pricing"], hashtags=[]),
    "onboarding": dict(keywords=["onboarding", "onboard", "glossary", "activation"],
                       phrases=["onboarding emails", "new hire", "first week"], hashtags=[]),
    "bi_alternatives": dict(keywords=["looker", "metabase", "superset", "lightdash", "tableau", "lookml", "sandboxes"],
                            phrases=["looker alternative", "migrating from metabase", "row-level permissions"], hashtags=[]),
    "dataviz": dict(keywords=["colour", "color", "y-axis", "legend", "pie chart"],
                    phrases=["red/green", "3d bar chart", "diverging scale"], hashtags=["dataviz"]),
    "exports_reliability": dict(keywords=["export", "exports", "csv", "outage", "status"],
                                phrases=["scheduled export", "scheduled exports", "blank charts", "board pack"], hashtags=[]),
}


def yaml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # JSON strings are valid YAML flow scalars


def yaml_list(xs) -> str:
    return "[" + ", ".join(yaml_str(x) if not re.fullmatch(r"[A-Za-z0-9_.-]+", x) else x for x in xs) + "]"


def write_config() -> None:
    lines = [
        "# listenwell sample config fragment (generated by examples/make_samples.py; paste into config.yaml)",
        "me:",
        f"  name: {ME['name']}",
        f"  handles: {{x: [{ME['x']}], reddit: [{ME['reddit']}], blog: [{ME['blog']}]}}",
        '  blog_urls: ["https://blog.fernhill.example/"]',
        "key_clients:",
    ]
    blog_names = {"priya": ["Priya Raman"], "sofia": ["Sofia Lindqvist"]}
    for p in KEY:
        blog = [p["blog"]] if p["blog"] else blog_names.get(p["key"], [])
        lines += [
            f"  - name: {p['name']}",
            f"    tier: {p['tier']}" + ("            # 1 = most important" if p is KEY[0] else ""),
            f"    handles: {{x: {yaml_list([p['x']])}, reddit: {yaml_list([p['reddit']] if p['reddit'] else [])}, blog: {yaml_list(blog)}}}",
            f"    notes: {yaml_str(p['notes'])}",
        ]
    lines.append("topics:")
    for name, t in TOPICS.items():
        lines += [f"  {name}:", f"    keywords: {yaml_list(t['keywords'])}", f"    phrases: {yaml_list(t['phrases'])}",
                  f"    hashtags: {yaml_list(t['hashtags'])}"]
    (OUT / "key_clients.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


README = """# listenwell sample data: Fernhill Analytics

Everything in this folder is fictional and generated by `make_samples.py` (deterministic, stdlib only):

    python examples/make_samples.py

"We" are **Fernhill Analytics**, a small B2B analytics SaaS: X `@fernhillhq`, Reddit `u/fernhill_team`,
blog <https://blog.fernhill.example/> (author "Fernhill Team"). Data spans **2026-09-21 .. 2026-11-20 UTC**;
the demo pins "now" at **2026-11-20T18:00:00Z**. All domains are under `.example`.
`key_clients.yaml` is the `me:` / `key_clients:` / `topics:` fragment to paste into `config.yaml`.
`knowledge/` is Fernhill's knowledge base for reply suggestions (hand-written Markdown, not generated: pricing,
exports, the Metabase migration, connections, dashboards, data-quality checks, company and house rules), so the
sample queue answers the questions the samples ask; see docs/replies.md.

## Files

| Path | Shape | Holds |
|---|---|---|
| `x/own_tweets.jsonl` | X API v2 pages (twarc2 lines) | our own tweets and replies (`GET /2/users/:id/tweets`) |
| `x/mentions.jsonl` | X API v2 pages | tweets mentioning @fernhillhq, incl. replies to us, retweets, one spam account whose user object is missing (suspended) |
| `x/clients_timelines.jsonl` | X API v2 pages | one timeline per key client (overlaps with mentions) |
| `x/search.jsonl` | X API v2 pages | topic search: chatter, threads among others, hard negatives, non-English posts (overlaps with mentions) |
| `x/brand_search.jsonl` | X API v2 pages | a search for our names and competitors': talk about us without tagging us, competitor talk, false friends |
| `reddit/search.jsonl` | Reddit `Listing` of t3 | submissions found by search (not ours, not in our subreddit) |
| `reddit/subreddit_comments.jsonl` | `Listing` of t1 | every comment not written by us (flat, newest first) |
| `reddit/user_fernhill_team.jsonl` | `Listing` of t3 + t1 | our own submissions and comments (`/user/fernhill_team/overview`) |
| `reddit/r_fernhillanalytics_new.jsonl` | `Listing` of t3 | `/r/FernhillAnalytics/new` |
| `reddit/key_clients_overview.jsonl` | `Listing` of t3 + t1 | `/user/<client>/overview` for clients with Reddit handles |
| `blogs/fernhill/feed.xml` | WordPress RSS 2.0 | our blog; `<wfw:commentRss>` points to `comments/<slug>.xml` (relative) |
| `blogs/fernhill/comments/*.xml` | WordPress comment RSS | comments; our replies start with "In reply to ..." |
| `blogs/tidewater/feed.xml` | Blogger Atom | Marcus Oyelaran's company blog; `<link rel="replies" type="application/atom+xml" href="comments/<id>.xml">` |
| `blogs/tidewater/comments/*.xml` | Blogger Atom comments | with `<thr:in-reply-to ref=... href=...>` |
| `blogs/dqweekly/feed.xml` | RSS 2.0, no comments | Lena Hartmann's newsletter (mentions Fernhill once) |

Files overlap on purpose (a client's tweet that mentions us is in both `mentions` and `clients_timelines`);
storage dedupes on id.

## Counts

{counts}

## Cast: key clients (in `key_clients.yaml`)

| Person | Role | Tier | Handles | What listenwell should surface |
|---|---|---|---|---|
| Priya Raman | COO Brightpath Logistics -> **VP Operations, Acme Freight** | 1 | x `priyaraman_ops`, reddit `priya_r_ops`, blog comments as "Priya Raman" | **Alert: new job** (X, 2026-11-03 09:12 "Thrilled to share I've joined Acme Freight as VP Operations"); teased 2026-10-24 ("Last day at Brightpath next week"). **Reach out**: congratulate (call/coffee); also an account risk: our champion left Brightpath. Asks a question 2026-11-15 (multi-3PL dashboards) and is the "new VP" in r/analytics 2026-11-04. |
| Marcus Oyelaran | Founder, Tidewater Labs | 1 | x `marcus_tidewater`, blog "Marcus Oyelaran" (tidewaterlabs.example) | **Alert: launch** of Tidewater Pulse (X + blog, 2026-11-12 14:00); thanks @fernhillhq in a second tweet (14:05, unanswered). **Reach out**: congratulations note. Launch post comments (Kate Murphy from Acme Freight wants to trial it) are context. |
| Helen Kowalczyk | Head of Data, Northwind Grocers | 2 | x `helenkdata`, reddit `hkowal` | **Reach out: moving** to Lisbon in January (X 2026-10-28 19:45; Reddit r/dataengineering 2026-11-02; "any data folks in Lisbon?" 2026-11-18). Suggest a meal before she leaves. Her 2026-10-07 question to us (default date range) was never answered. |
| Daniel Mbeki | CFO, Kestrel Outdoor | 2 | x `dmbeki` | **Alert, handle with care: bereavement** (X 2026-11-16 20:15 "My dad passed away on Thursday"). **Reach out**: a personal condolence note, no product talk; must not produce a chirpy suggested reply. |
| Sofia Lindqvist | Analytics lead, Harbor & Pine | 1 | x `sofialindqvist`, reddit `sofia_lq` | **Alert: complaint** (X 2026-11-18 08:47 "third failed scheduled export in a week", follow-up 2026-11-19 16:05 "Starting to look at alternatives"; Reddit r/BusinessIntelligence 2026-11-18 with u/fernhill_team mention). All unanswered -> **top of the reply queue**; **reach out**: call today. Was happy in October (praise 2026-10-10, answered). |
| Tom Reyes | Data engineer, Quillfeather (trial) | 3 | x `tomreyes_dev`, reddit `tomreyes_dev`, blog "Tom Reyes" | **Unanswered question** about Metabase sandboxes/row-level permissions: X 2026-11-19 11:22, blog comment 2026-11-17 14:30, r/FernhillAnalytics 2026-11-07. Trial ends 28 Nov. **Queue item**. |
| Grace Whitfield | VP Marketing, Lumen & Oak | 2 | x `gracewhitfield`, reddit `gwhitfield`, blog "Grace Whitfield" | **Reach out: went quiet.** ~15 interactions 2026-09-21 .. 2026-10-04 (replies to us, blog comments, Reddit), nothing since 2026-10-04 09:10 (47 days). She agreed to a case study ("Ping me next month!") that nobody followed up. |
| Kenji Watanabe | Ops analyst, Shirokane Trading | 3 | x `kenji_wtnb` | **Praise**: 2026-11-10 thanks support (we replied) and 2026-11-14 praise in Japanese (unanswered -> queue, thank him). Hard negative 2026-10-30: *his friend* got promoted (not a job change for Kenji). |

## What each output should show at "now" (2026-11-20 18:00 UTC)

- **Alerts (key clients, meaningful posts)**: Sofia's complaint (11-18/11-19, negative, tier 1), Daniel's bereavement
  (11-16, sensitive), Marcus's launch (11-12), Priya's new role (11-03), Helen's move (10-28; lower priority by now).
- **Reply queue (inbound, unanswered, recent first)**: Sofia (X + Reddit), Tom (X, blog, r/FernhillAnalytics),
  the hostile tweet (should be shown as text, probably dismissed), recent questions/complaints/praise from
  non-key people, Kenji's Japanese praise, Marcus's thank-you, blog comments from Fatima and Rachel.
  Daniel's post must not get a generic suggested reply.
- **Reach out**: Sofia (call: complaint + churn risk), Daniel (condolence note), Priya (congratulate; champion left
  Brightpath), Marcus (congratulate the launch), Grace (quiet since 10-04; case study never followed up),
  Helen (meal before she moves to Lisbon in January).
- **Daily digest for 11-20**: our Friday question, the hostile tweet, new questions, Rachel's blog comment, Jamal on
  Tidewater's blog, our hiring post on r/SaaS and its first comment.

## Talk about us without tagging us (`x/brand_search.jsonl`)

- **Priya Raman (tier 1), 2026-11-20 11:40, untagged**: "Honestly considering switching away from Fernhill…" ->
  alert "Priya Raman is talking about leaving", a queue item ("mentioned us by name"), reach-out "Call Priya today",
  and all three in the digest.
- **Helen Kowalczyk (tier 2)**: "Evaluating Looker for the Lisbon team's reporting" -> alert, reach-out, opportunity.
- Untagged complaint (Emma Novak, "Fernhill's scheduled exports failed again") and question (Ola Adeyemi, "Does
  Fernhill support SSO with Okta yet?") -> queue, ranked below posts written to us; praise that names us
  (#Fernhill, Gus Almeida) is counted in share of voice only.
- Opportunities: Oscar Nilsen "Moving off Looker…", Chloé Martin evaluating Lightdash and Metabase, Amy Chen looking
  for a Tableau alternative.
- False friends the exclusions keep out: Fernhill Park, Fernhill Road, Fernhill Primary, the park's own account
  (@fernhillparkfriends), a football fan's handle (@fernhillfan99), "not a looker".

## Others worth knowing

- ~40 non-key people with a long tail (a few post a lot, most once or twice), plus ~10 Reddit-only users.
- Inbound to us on X: 14 questions, 8 complaints, 8 praise, 2 sarcastic "praise" (Dev Patel 2026-11-12, Owen Price 2026-10-28);
  most older ones got a reply from @fernhillhq; everything from the last ~4 days is unanswered, plus two older
  ones we never answered (the DuckDB-on-S3 question and the cropped y-axis complaint).
- Reddit: unanswered u/fernhill_team mentions (Sofia's thread 2026-11-18; bi_throwaway_19 on pricing 2026-11-19);
  an unanswered question in our subreddit (devp, 2026-11-17, PDF export of notes).
- Blog: unanswered comments on our posts from Tom Reyes (question), Fatima Zahra (question, 2026-11-19),
  Rachel Kim (praise, 2026-11-20), Ingrid Berg (billing question, 2026-10-27).
- Hostile text, to be stored and shown as text: X (`qwerty_8812`, 2026-11-20 07:55), Reddit comment in r/FernhillAnalytics,
  blog comment on "Five data quality checks" (`<script>alert(1)</script> <img src=x onerror=alert(1)>`).
  The Metabase guide's `content:encoded` and the Pulse launch post contain real `<script>` elements that must be stripped.
- Hard negatives: Ben Harlow "my friend Jess ... got promoted" (2026-09-30), Aaron Blake "we're not moving after all"
  (2026-10-25), Mike Sullivan "Lost the five-a-side final ... Devastated" (2026-11-09), Noah Green "Launching my
  rocket-shaped birthday cake" (2026-10-18), Hannah Lee "Not thrilled to share that I have joined the ranks of people
  who broke prod" (2026-11-11), Kenji's friend's promotion.
- Non-English: Portuguese (Beatriz Costa, X and blog comment), German (Leo Fischer), Spanish (Lucas Romero),
  Japanese (Yuki Tanaka, Kenji Watanabe).
- A tweet from a suspended account (author id {suspended} is not in `includes.users`), and Reddit comments by
  `[deleted]` (one kept its body, one is `[removed]`).
"""


# =============================================================================================
# X: what is said ABOUT us and our competitors without tagging us (issue 18)
# =============================================================================================
# A search for our names and our competitors' (`brand_search.jsonl`). Its own random stream, drawn after
# everything above, so the files above stay byte-for-byte what they were.
BRAND_QUERY = "(fernhill OR looker OR metabase OR superset OR lightdash OR tableau) -is:retweet"
BRAND_PEOPLE = [  # (key, name, x handle, followers, bio): accounts that only appear in this search
    ("parkfriends", "Friends of Fernhill Park", "fernhillparkfriends", 860, "Volunteers looking after Fernhill Park since 1998."),
    ("hillfan", "Up the Hill", "fernhillfan99", 140, "Fernhill Rovers till I die. Sunday league, Saturday hangover."),
]
# (author, when, text): the Done-when post first
BRAND_TALK = [
    # a tier-1 key client names us without tagging us: churn talk -> alert, queue, reach-out, digest
    ("priya", "11-20 11:40", "Honestly considering switching away from Fernhill for the Acme Freight rollout. The exports keep "
                             "landing half empty and I can't sell that to our board twice."),
    # a tier-2 key client names a competitor: alert and reach-out
    ("helen", "11-19 15:20", "Evaluating Looker for the Lisbon team's reporting. Anyone done the LookML learning curve with a team of three?"),
    # others name us without tagging us: complaint and question -> queue ("mentioned us by name"); praise is only counted
    ("emma", "11-20 09:10", "Fernhill's scheduled exports failed again this morning. Third time this month, and nobody on our side "
                            "noticed until the CFO did."),
    ("ola", "11-19 17:45", "Does Fernhill support SSO with Okta yet? Can't find it anywhere in the docs."),
    ("tess", "11-18 13:30", "#Fernhill pinned notes are a small thing that made our weekly review so much calmer."),
    ("gus", "11-16 16:20", "Fernhill dropped per-seat pricing and honestly it's the reason we signed. Finally a BI bill I can explain."),
    ("sam", "11-17 10:00", "Fernhill Analytics or Metabase for a 20-person construction ops team? Leaning Fernhill for the pricing."),
    # competitor talk: leaving or buying -> opportunities (never an automatic reply)
    ("oscar", "11-20 08:30", "Moving off Looker at the end of the quarter. Recommendations for a 15-person team on Snowflake?"),
    ("chloe", "11-19 10:15", "We're evaluating Lightdash and Metabase for product analytics, any war stories?"),
    ("amy", "11-18 19:00", "Tableau renewal quote came in 40% higher. Looking for a Tableau alternative our analysts won't hate."),
    ("ivan", "11-14 11:05", "Superset's new chart plugins are nice. Still wish the permissions model made sense."),
    # false friends: the exclusions keep them out
    ("mike", "11-19 07:20", "Fernhill Park parkrun this morning, new PB and a very muddy dog."),
    ("aaron", "11-18 08:10", "Traffic on Fernhill Road is a nightmare again, 40 minutes to the depot."),
    ("ben", "11-17 15:00", "Fernhill Primary's bake sale raised £400 for the library. Proud parent moment."),
    ("parkfriends", "11-19 12:00", "Litter pick at the Fernhill gates this Saturday, 10am. Gloves and tea provided!"),
    ("will", "11-18 22:10", "Shoutout to @fernhillfan99 for the spare ticket, what a game"),
    ("noah", "11-16 21:00", "My nan's old Volvo: not a looker, but 300k miles and it still starts every morning."),
]


def write_brand_search() -> int:
    rng = random.Random(18)
    for key, name, x, followers, bio in BRAND_PEOPLE:
        PEOPLE[key] = dict(key=key, name=name, x=x, reddit=None, blog=None, followers=followers, bio=bio, tier=None,
                           x_id=str(rng.randrange(10**8, 9 * 10**9)),
                           x_created=datetime(rng.randrange(2009, 2024), rng.randrange(1, 13), rng.randrange(1, 28),
                                              tzinfo=UTC))
        BY_X[x] = key
    tweets = []
    for author, when, text in BRAND_TALK:
        created = d(when)
        ms = int(created.timestamp() * 1000) - TWITTER_EPOCH_MS
        tid = str((ms << 22) | (rng.randrange(1024) << 12) | rng.randrange(4096))
        likes = rng.randrange(0, 40)
        tweets.append(dict(author=author, created_at=created, text=text, reply_to=None, quote=None, retweet=None,
                           lang="en", id=tid, conversation_id=tid,
                           metrics={"retweet_count": likes // 9, "reply_count": 0, "like_count": likes,
                                    "quote_count": 0, "bookmark_count": likes // 15,
                                    "impression_count": likes * 30 + rng.randrange(30, 200)}))
    url = f"https://api.twitter.com/2/tweets/search/all?query={BRAND_QUERY}&{X_FIELDS}&start_time=2026-09-21T00:00:00Z"
    write_jsonl(OUT / "x" / "brand_search.jsonl", x_pages(tweets, 100, url, NOW - timedelta(minutes=5)))
    return len(tweets)


def main() -> None:
    build_x()
    x = write_x()
    r = write_reddit()
    b = write_blogs()
    write_config()
    brand = write_brand_search()
    counts = (f"- X: {x['unique'] + brand} unique tweets ({x['own_tweets.jsonl']} ours; {x['mentions.jsonl']} in mentions, "
              f"{x['clients_timelines.jsonl']} in client timelines, {x['search.jsonl']} in search, {brand} in the "
              f"brand search; {x['own_tweets.jsonl'] + x['mentions.jsonl'] + x['clients_timelines.jsonl'] + x['search.jsonl'] + brand} "
              f"tweet records across files)\n"
              f"- Reddit: {r['unique']} unique items ({r['t3']} submissions, {r['t1']} comments)\n"
              f"- Blogs: 3 blogs, {b['posts']} posts, {b['comments']} comments")
    (OUT / "README.md").write_text(README.replace("{counts}", counts).replace("{suspended}", SUSPENDED_X_ID),
                                   encoding="utf-8")
    print(counts)


if __name__ == "__main__":
    main()
