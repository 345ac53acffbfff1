#!/usr/bin/env python3
"""Write dev.tsv: the labelled posts the brand matcher was tuned on (never the blind set).

Columns: id, to_us (0/1), about_us (0/1), competitors (comma-separated configured names, or -),
platform, author, subreddit (or -), addressed (1 = a reply to our post or a comment on our blog), text.
Run: .venv/bin/python tests/data/brand/make_dev.py
"""
from pathlib import Path

# (to_us, about_us, competitors, platform, author, subreddit, addressed, text)
R = []


def add(to, about, comp, text, platform="x", author="someone", sub="-", addressed=0):
    R.append((to, about, comp or "-", platform, author, sub, addressed, text))


# --- about us, untagged: names, aliases, case, hashtags, possessives, punctuation
for t in [
    "Brightloom just shipped recurring tasks and honestly it's about time",
    "brightloom is down again?? nothing loads",
    "BRIGHTLOOM WHY",
    "Has anyone moved a 40-person team onto Brightloom Cloud? How was the import?",
    "Our sprint board lives in Loomdesk now and standups are 10 minutes shorter",
    "#Brightloom tip: hold shift to multi-select cards",
    "Loving the new #BrightloomCloud timeline view",
    "Brightloom's pricing page is confusing, is the team plan per seat?",
    "Brightloom’s support replied in 4 minutes. Four!",
    "Switched to Brightloom last month (finally)",
    "Tried brightloom, went back to spreadsheets. Not for us.",
    "Is Brightloom SOC 2 compliant? Procurement is asking.",
    "considering switching away from Brightloom after the price change",
    "Brightloom, Brightloom, Brightloom. Our PM won't stop talking about it.",
    "The Brightloom mobile app keeps logging me out",
    "pro tip: Brightloom's API has a bulk endpoint nobody documents",
    "We're cancelling Brightloom at renewal, too expensive for what we use",
    "Brightloom-powered roadmaps are the only ones our execs read",
    "Anyone else's Brightloom export stuck at 99%?",
    "Day 3 with Loomdesk: the keyboard shortcuts are great",
    "loomdesk > every other kanban tool I've tried",
    "Our client asked for a Brightloom guest account, is that free?",
    "Reading the Brightloom changelog like it's a novel",
    "\"Brightloom\" was the answer to my question at the meetup",
    "Who else is at the Brightloom user conference next week?",
    "Brightloom Cloud outage this morning took our planning meeting with it",
    "if brightloom had a dark mode I'd never leave",
    "Writing a review of Brightloom for our internal wiki",
    "Finally convinced finance to pay for Brightloom",
]:
    add(0, 1, None, t)
add(0, 1, "Trello", "Brightloom/Trello comparison for a 5-person agency?")

# --- to us: handles (X @, Reddit u/), replies to our posts, comments on our blog
for t in [
    "@brightloomhq the calendar sync broke again",
    "@BrightloomHQ thanks for the quick fix!",
    "hey @brightloomhq any plans for Gantt charts?",
    "u/brightloom_team is there a way to bulk archive?",
    "@brightloomhq @someoneelse this is the tool I mentioned",
    "Thanks @brightloomhq, the import worked",
    "@brightloomhq your status page says green but nothing loads",
    "cc @brightloomhq",
]:
    add(1, 0, None, t)
for t in [
    "@brightloomhq Brightloom Cloud keeps timing out on big boards",
    "@brightloomhq is Loomdesk included in the starter plan?",
    "u/brightloom_team Brightloom's webhook retries don't seem to work",
]:
    add(1, 1, None, t)
add(1, 1, "Notion", "@brightloomhq can Brightloom import from Notion databases?")
add(1, 0, "Asana", "@brightloomhq do you have an Asana importer?")
for t in [
    "This is great, thanks for writing it up",
    "Does this work on the free plan?",
    "Agree with the point about WIP limits",
    "We tried this and it halved our cycle time",
    "Bookmarking for the team",
]:
    add(1, 0, None, t, addressed=1)
for t in [
    "Great post. We moved from Trello for exactly these reasons.",
]:
    add(1, 0, "Trello", t, addressed=1)
for t in ["Nice write-up, how do you handle recurring tasks?", "First!", "Typo in the second paragraph"]:
    add(1, 0, None, t, platform="blog", author="Reader", addressed=1)

# --- a subreddit named after us
for t in ["Can guests see private boards?", "Feature request: swimlanes by assignee", "How do I reset my 2FA?"]:
    add(0, 1, None, t, platform="reddit", author="redditor", sub="Brightloom")

# --- false friends (exclusions and boundaries)
for t in [
    "Brightloom Street is closed for roadworks all week",
    "Dinner at the Brightloom Hotel, the terrace is lovely",
    "Picked strawberries at Brightloom Farm with the kids",
    "Brightloom Bakery's cinnamon buns are worth the queue",
    "Traffic on brightloom street again, 30 minutes to go a mile",
    "the brightloom hotel wifi is a war crime",
]:
    add(0, 0, None, t)
add(0, 0, None, "Farmers market this Saturday, come say hi!", author="brightloomhotel")
add(0, 0, None, "New to the area: is Brightloom worth a visit?", platform="reddit", author="visitor", sub="brightloomvillage")
for t in [
    "follow @brightloomfan for daily memes",
    "shoutout to @brightloom_lover for the tips",
    "brightloomfan99 just followed me",
    "brightloomed my way through the weekend (not a word)",
    "Email me at brightloom@example.com",
    "see https://example.com/brightloom/review",
    "u/brightloomer has the best takes",
    "my cat is named Bright Loom lol",
    "bright loom of the morning sun",
    "r/brightloom_memes is hilarious",
    "#brightloomfans unite",
    "loomdesks are a type of weaving table in my grandma's shop",
]:
    add(0, 0, None, t)

# --- competitors: names, aliases, punctuation, common-word exclusions
for comp, t in [
    ("Notion", "Notion is my second brain and my first distraction"),
    ("Notion", "Moving our wiki off Notion, recommendations?"),
    ("Notion", "notion ai wrote my meeting notes and they were wrong"),
    ("Notion", "Anyone built a CRM in Notion that didn't collapse?"),
    ("Notion", "Notion's new calendar is nice"),
    ("Notion", "#Notion template drop: weekly review"),
    ("Asana", "Asana's timeline view saved our launch"),
    ("Asana", "We're evaluating Asana for the marketing team"),
    ("Asana", "asana keeps emailing me about tasks I finished"),
    ("Asana", "Leaving Asana at the end of the quarter. What did you switch to?"),
    ("ClickUp", "ClickUp has 400 features and I use 3"),
    ("ClickUp", "clickup's docs are underrated"),
    ("ClickUp", "Looking for a ClickUp alternative that loads faster"),
    ("Trello", "Trello boards for wedding planning, highly recommend"),
    ("Trello", "trello is still the simplest kanban out there"),
    ("Trello", "Our Trello has 900 cards and 0 of them are done"),
    ("Notion,Asana", "Notion vs Asana for a 10-person startup?"),
    ("Asana,Trello", "Asana/Trello/whatever, the tool isn't the problem"),
    ("Notion,ClickUp,Trello", "Tried Trello, ClickUp and Notion this year. Still using paper."),
    ("Asana", "Asana (the app, not the pose) is down"),
]:
    add(0, 0, comp, t)
for t in [
    "I had no notion of how hard this would be",
    "the notion that meetings are work needs to die",
    "Morning yoga: held every standing asana for a full minute",
    "Is there a notion of priority in this framework?",
    "Seated asana practice before work changed my back",
    "We got a notion to repaint the office",
    "a notion I can't shake: we ship too slowly",
    "clicked up the volume and the neighbours complained",
    "trellises for the tomatoes, finally",
    "Mr Notional Amount strikes again (finance joke)",
    "notions and haberdashery shop on the corner",
    "asanas by Priya at the community hall, Tuesdays",
]:
    add(0, 0, None, t)

# --- both us and competitors
for comp, t in [
    ("Notion", "Brightloom for tasks, Notion for docs. Works for us."),
    ("Asana", "Moved from Asana to Brightloom and never looked back"),
    ("Trello", "Brightloom is Trello with a brain"),
    ("ClickUp", "ClickUp or Brightloom Cloud for an agency of 12?"),
    ("Notion,Asana", "Ranking: Brightloom > Asana > Notion for project work"),
    ("Trello", "switching away from Brightloom back to Trello, it's just simpler"),
]:
    add(0, 1, comp, t)

# --- neither (general chatter, near misses)
for t in [
    "Standups should be 10 minutes. Ours are 45.",
    "Kanban is a vibe, not a methodology",
    "Project management tools are all the same tool with different fonts",
    "Our roadmap is a Google Doc and I'm at peace with it",
    "brightness slider on this laptop is broken",
    "bright looms and dark mills: a history of the textile industry",
    "Loom video for the update, nobody watched it",
    "Bright idea: cancel the Friday meeting",
    "the loom at the museum is 200 years old",
    "Looms, desks and lamps: furnishing the studio",
    "Weekly planning: 3 goals, 1 owner each",
    "What's everyone's favourite way to run a retro?",
    "We moved the sprint to two weeks and morale went up",
    "A task without an owner is a wish",
    "OKRs are just goals with a spreadsheet",
    "Async updates beat meetings 9 times out of 10",
    "Switched to a paper planner and I'm thriving",
    "The best tool is the one your team opens",
    "Cancelling my gym membership, not my PM tool",
    "Monday mood: 47 unread notifications",
]:
    add(0, 0, None, t)

# --- more untagged about-us in realistic shapes (reddit, blogs, quoted, lists)
for platform, t in [
    ("reddit", "Brightloom vs spreadsheets for a 3-person nonprofit?\n\nWe have no budget and no PM."),
    ("reddit", "PSA: Brightloom Cloud raises prices in March"),
    ("reddit", "Brightloom's automation rules saved me an hour a day"),
    ("blog", "Five tools we use every day: Brightloom, Figma, Slack, Linear-style issue templates and coffee."),
    ("blog", "Why we chose Brightloom (and what we'd change)"),
    ("reddit", "I work at a company that uses Brightloom and the onboarding was painless"),
    ("x", "Shipped our first Brightloom integration today 🎉"),
    ("x", "Hot take: Brightloom's free tier is too generous"),
    ("x", "brightloom cloud status: down, my mood: also down"),
    ("x", "Just found out Loomdesk has an offline mode"),
    ("x", "My manager: 'put it in Brightloom'. Me: puts it in Brightloom. Manager: 'why is this in Brightloom'"),
    ("x", "Q for Brightloom users: do you use sprints or just boards?"),
    ("reddit", "Has Brightloom fixed the notification spam yet?"),
    ("x", "Brightloom! Brightloom! Brightloom!"),
    ("x", "A thread on how we run our agency on Brightloom 🧵"),
    ("blog", "In this post: migrating 3 years of tasks into Brightloom Cloud"),
    ("x", "The Brightloom team is hiring a designer, worth a look"),
    ("x", "Did brightloom just change the logo?"),
    ("reddit", "Brightloom or nothing. Everything else is bloat."),
    ("x", "Our interns learned Brightloom in a day"),
]:
    add(0, 1, None, t, platform=platform)

# --- more competitor-only posts and opportunities
for comp, t in [
    ("Notion", "Notion's API rate limits are painful"),
    ("Notion", "We use Notion AI for summaries, mixed results"),
    ("Asana", "Asana goals feature is better than I expected"),
    ("ClickUp", "ClickUp onboarding took us a week"),
    ("Trello", "Trello power-ups are where the magic is"),
    ("Notion", "Notion down? Can't open any page"),
    ("Asana", "Our Asana bill doubled this year"),
    ("ClickUp", "Migrating off ClickUp, what's easiest to learn?"),
    ("Trello", "Trello for personal, something else for work"),
    ("Notion", "Notion database relations finally clicked for me"),
    ("Asana", "Asana rules + forms = no more intake chaos"),
    ("Trello", "Atlassian bought Trello years ago and it still feels indie"),
    ("ClickUp", "ClickUp 3.0 is faster, credit where due"),
    ("Notion", "Building a habit tracker in Notion, day 1"),
    ("Asana", "We're looking at Asana alternatives, too pricey for 8 people"),
]:
    add(0, 0, comp, t)

# --- more negatives that look close
for t in [
    "Brightloomington is a town I made up for this tweet",
    "the brightloom_street account posts nice photos",
    "Visit Brightloom Farm shop for fresh eggs",
    "brightloom hotel spa day, much needed",
    "new bakery on brightloom street: Brightloom Bakery",
    "#BrightloomStreet closed again",
    "My band is called Bright Loom and we're terrible",
    "@brightloomhotel booked for the anniversary!",
    "notional budget approved",
    "trellis, trellises, trellised",
]:
    add(0, 0, None, t)
# a hashtag of a street is the street; hashtags of the hotel handle are the hotel
R[-5] = (0, 0, "-", "x", "someone", "-", 0, "#BrightloomStreet closed again")

# --- punctuation, sentence edges, mixed signals
for to, about, comp, t, addressed in [
    (0, 1, None, "We finally picked a tool: Brightloom.", 0),
    (0, 1, None, "Which tool? Brightloom!", 0),
    (0, 1, None, "Tools we tried (in order): Brightloom; then nothing else.", 0),
    (0, 1, None, "Our stack — Brightloom, Slack, GitHub — costs less than lunch", 0),
    (0, 1, None, "'brightloom' is how our CTO says 'I told you so'", 0),
    (0, 1, None, "Brightloom: 1, chaos: 0", 0),
    (0, 1, "Notion", "moved our docs to notion and our tasks to brightloom", 0),
    (0, 0, "Notion", "moved everything to Notion, no regrets", 0),
    (0, 0, None, "I have a notion to quit meetings entirely", 0),
    (0, 0, "Notion", "Notion's offline mode when?", 0),
    (1, 1, None, "@brightloomhq Brightloom ate my comment", 0),
    (1, 0, "ClickUp", "@brightloomhq we're comparing you with ClickUp, got a deck?", 0),
    (1, 0, None, "@brightloomhq 👏👏👏", 0),
    (1, 0, None, "Same problem here, any fix?", 1),
    (1, 0, "Notion", "We use this with Notion, works fine", 1),
    (0, 0, "Trello", "Trello's butler automations are underrated", 0),
    (0, 0, "Asana", "Asana portfolio view > spreadsheets", 0),
    (0, 0, "ClickUp", "ClickUp whiteboards are surprisingly good", 0),
    (0, 1, "Asana,ClickUp", "Brightloom beat Asana and ClickUp in our bake-off", 0),
    (0, 1, None, "Brightloom Cloud or self-hosted Brightloom? Asking for a bank.", 0),
    (0, 0, None, "bright, loom-like patterns in the new office carpet", 0),
    (0, 0, None, "Loomdeskette is not a word", 0),
    (0, 0, None, "our brightloom-hotel.example booking got lost", 0),
    (0, 1, None, "Brightloom 2.0 launch day, the team did great", 0),
    (0, 0, None, "Asanas, breathing, coffee: my morning", 0),
    (0, 0, None, "What a notion!", 0),
    (0, 1, None, "Brightloom's status page: https://status.brightloom.example", 0),
    (0, 1, None, "https://brightloom.example/careers is hiring", 0),  # a link on our domain names us
    (1, 0, None, "Replying here since support is slow", 1),
    (0, 1, "Trello", "From Trello to Brightloom in a weekend, here's how", 0),
]:
    add(to, about, comp, t, addressed=addressed)

lines = ["id\tto_us\tabout_us\tcompetitors\tplatform\tauthor\tsubreddit\taddressed\ttext"]
for i, (to, about, comp, platform, author, sub, addressed, text) in enumerate(R, 1):
    text = text.replace("\t", " ").replace("\n", "\\n")
    lines.append(f"d{i:03d}\t{to}\t{about}\t{comp}\t{platform}\t{author}\t{sub}\t{addressed}\t{text}")
out = Path(__file__).with_name("dev.tsv")
out.write_text("\n".join(lines) + "\n", encoding="utf-8")
print(f"{len(R)} posts written to {out}")
