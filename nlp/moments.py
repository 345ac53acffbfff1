"""Meaningful moments in a person's life or business, found in their own words.

Each moment has a type, a confidence and the evidence span. Two traps matter most:
negation ("not moving after all", "didn't get the job") and other people's news
("my friend got promoted", "congrats to Ana on the new role"). Pure functions.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

MOMENT_TYPES = (
    "new_job", "launch", "funding", "acquisition", "moving", "wedding", "baby", "birthday",
    "anniversary", "illness", "bereavement", "award", "speaking",
)

_I = r"(?:i|i'm|i am|i've|i have|we|we're|we are|we've|we have|our team|just)"

PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "new_job": [
        re.compile(rf"\b{_I} (?:officially )?(?:joined|started at|started as|accepted (?:a|an|the) (?:offer|role|position)|been promoted)\b", re.I),
        re.compile(r"\b(?:excited|thrilled|happy|proud|delighted) to (?:share|announce) (?:that )?(?:i(?:'m| am|'ve| have)?|my) (?:joined|joining|starting|new role|new job|new position|been promoted|accepted)", re.I),
        re.compile(r"\b(?:starting|started|start) (?:a|my) new (?:role|job|position|chapter)\b", re.I),
        re.compile(r"\b(?:my )?first (?:day|week) (?:at|as) \w+", re.I),
        re.compile(r"\b(?:i|i've|i have|i was|just) (?:got|been) promoted\b|\bpromoted to \w+", re.I),
        re.compile(r"\bnew (?:role|job|position) (?:at|as|with)\b", re.I),
    ],
    "launch": [
        re.compile(rf"\b{_I} (?:finally )?(?:launched|shipped|released|went live|are live|launch(?:ed|ing) today)\b", re.I),
        re.compile(r"\b(?:it'?s )?launch day\b|\bwe'?re live\b|\bis (?:now )?live\b|\bintroducing \w+|\bnow available\b|\blive on product hunt\b", re.I),
        re.compile(r"\b(?:today |finally )?(?:we'?re|we are|i'?m|i am) (?:officially |finally )?(?:launching|releasing|shipping|opening)\b", re.I),
    ],
    "funding": [
        re.compile(r"\b(?:raised|closed|closing) (?:a|our|an)? ?(?:\$[\d.,]+ ?[mkb]?\w*|seed|pre-seed|series [a-e]|funding)(?: round)?", re.I),
        re.compile(r"\bseries [a-e] (?:round|funding)\b", re.I),
    ],
    "acquisition": [
        re.compile(r"\b(?:been|being|was|were|got) acquired by\b|\b(?:we|i)(?:'ve| have)? (?:acquired|agreed to acquire)\b|\bacquisition of \w+", re.I),
    ],
    "moving": [
        # a place follows (capitalised): "moving to Lisbon", not "moving to a warehouse"
        re.compile(r"\b(?:moving|relocating|moved|relocated)(?: house| home)? (?:from (?-i:[A-Z])\w+ )?(?:back )?to (?:the )?(?-i:[A-Z])\w+", re.I),
        re.compile(r"\b(?:relocating|moving (?:house|home|abroad|countries|cities))\b(?: (?:in|this|next) \w+)?", re.I),
        re.compile(r"\b(?:packing (?:boxes|up the)|new (?:city|apartment|flat|house|home)|moving day)\b", re.I),
    ],
    "wedding": [
        re.compile(r"\b(?:i|we) (?:got|are getting|'re getting) married\b|\bour wedding\b|\btied the knot\b|\b(?:we|i)(?:'re| are| got| just got)? engaged\b", re.I),
    ],
    "baby": [
        re.compile(r"\bwelcomed? (?:our|a) (?:baby|son|daughter|little)\b|\bbaby (?:boy|girl) (?:arrived|is here)\b|\b(?:i'?m|we'?re) (?:a )?new (?:dad|mom|mum|parents?)\b|\bparental leave\b", re.I),
    ],
    "birthday": [
        re.compile(r"\b(?:it'?s )?my birthday\b|\banother trip around the sun\b|\bi turn(?:ed)? \d\d\b", re.I),
    ],
    "anniversary": [
        re.compile(r"\b(?:\d+|one|two|three|four|five|ten|twenty) years? (?:at|with|since i (?:joined|started))\b|\bwork anniversary\b|\b\d+(?:st|nd|rd|th) anniversary\b", re.I),
    ],
    "illness": [
        re.compile(r"\b(?:in (?:the )?hospital|had surgery|after surgery|diagnosed with|recovering from|on sick leave|been (?:ill|sick)|health scare|chemo)\b", re.I),
    ],
    "bereavement": [
        re.compile(r"\b(?:passed away|lost (?:my|our)|loss of (?:my|our)|rest in peace|funeral|grieving|in loving memory|said goodbye to (?:my|our))\b", re.I),
    ],
    "award": [
        re.compile(r"\b(?:won|win|winning|awarded|received|shortlisted for|finalists? (?:for|in)|honou?red to receive) (?:the |an? |our )?[\w' -]{0,40}?\b(?:award|prize)\b", re.I),
    ],
    "speaking": [
        re.compile(r"\b(?:i'?ll be|i am|i'?m|we'?re|we are|we'?ll be) (?:speaking|presenting|giving a talk|keynoting|on a panel)\b|\b(?:my|our) (?:talk|keynote|session|panel) (?:at|on|tomorrow)\b|\bcome (?:see|hear) (?:me|us) (?:at|speak)\b", re.I),
    ],
}

# Substrings that every match of a type's patterns contains: a C-speed `in` check skips the regexes
# for the many posts that cannot match. Keep in step with PATTERNS.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "new_job": ("join", "start", "accepted", "promoted", "first day", "first week", "new role", "new job",
                "new position"),
    "launch": ("launch", "shipped", "shipping", "released", "releasing", "live", "introducing", "now available",
               "opening"),
    "funding": ("raised", "closed", "closing", "seed", "series"),
    "acquisition": ("acquire", "acquisition"),
    "moving": ("moving", "moved", "relocat", "packing", "new city", "new apartment", "new flat", "new house",
               "new home"),
    "wedding": ("married", "wedding", "tied the knot", "engaged"),
    "baby": ("baby", "welcome", "new dad", "new mom", "new mum", "new parent", "parental leave"),
    "birthday": ("birthday", "trip around the sun", "turn"),
    "anniversary": ("year", "anniversary"),
    "illness": ("hospital", "surgery", "diagnosed", "recovering", "sick", "been ill", "health scare", "chemo"),
    "bereavement": ("passed away", "lost my", "lost our", "loss of", "rest in peace", "funeral", "griev",
                    "memory", "goodbye"),
    "award": ("award", "prize"),
    "speaking": ("speaking", "presenting", "talk", "keynot", "panel", "session", "come see", "come hear"),
}

_NEGATION = re.compile(
    r"\b(?:not|never|no longer|didn'?t|don'?t|won'?t|isn'?t|aren'?t|wasn'?t|weren'?t|haven'?t|hasn'?t|"
    r"cancel+ed|fell through|if only|hope to|hoping to|would love to|someday|one day|wish i)\b",
    re.I,
)
_NEGATION_AFTER = re.compile(r"^[^.!?]{0,40}\b(?:after all|fell through|didn'?t happen|is off|was cancel+ed)\b", re.I)
_OTHERS = re.compile(
    r"\b(?:my|our|his|her|their) (?:friend|friends|sister|brother|cousin|colleague|coworker|co-worker|boss|manager|"
    r"neighbou?r|former|old|ex|teammate|team ?mate|client|buddy|pal)\b|\bcongrat\w*\b|\b(?:he|she|they)(?:'s| has| is| just| was| got)\b|"
    r"@\w+ (?:just|has|is|got)\b|\bso (?:happy|proud) for\b|\bwelcome (?:to the team|aboard)\b",
    re.I,
)
# a loss or illness in the author's family is the author's moment too
_OWN_FAMILY_OK = {"illness", "bereavement"}
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'll|me|my|we|we're|we've|our)\b", re.I)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*", re.U)


@dataclass(frozen=True, slots=True)
class Moment:
    type: str
    confidence: float
    evidence: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return asdict(self)


def detect_moments(text: str) -> list[Moment]:
    """The author's own moments, at most one per type, strongest evidence first.

    Each pattern runs once over the whole text; only its matches are judged in their sentence.
    """
    best: dict[str, Moment] = {}
    sentences: list[tuple[int, int]] | None = None
    lowered = text.lower()
    for kind, patterns in PATTERNS.items():
        if not any(trigger in lowered for trigger in TRIGGERS[kind]):
            continue
        for pattern in patterns:
            for m in pattern.finditer(text):
                if sentences is None:
                    sentences = [(s.start(), s.end()) for s in _SENTENCE.finditer(text)]
                s_start, s_end = next(((a, b) for a, b in sentences if a <= m.start() < b), (0, len(text)))
                moment = _judge(kind, text, s_start, s_end, m.start(), m.end())
                if moment and (kind not in best or moment.confidence > best[kind].confidence):
                    best[kind] = moment
    return sorted(best.values(), key=lambda mo: -mo.confidence)


def _judge(kind: str, text: str, s_start: int, s_end: int, start: int, end: int) -> Moment | None:
    sentence = text[s_start:s_end]
    m_start, m_end = start - s_start, end - s_start
    before = sentence[max(0, m_start - 40): m_start]
    if _NEGATION.search(before[-30:]) or _NEGATION.search(sentence[m_start:m_end]) \
            or _NEGATION_AFTER.search(sentence[m_end:]):
        return None
    others = _OTHERS.search(sentence[: m_end + 20])
    if others and kind not in _OWN_FAMILY_OK:
        return None
    confidence = 0.75
    if _FIRST_PERSON.search(sentence):
        confidence += 0.15
    if others:
        confidence -= 0.2
    evidence = sentence.strip()
    if len(evidence) > 180:
        evidence = evidence[:177].rstrip() + "…"
    return Moment(kind, round(min(confidence, 0.95), 2), evidence, start, end)
