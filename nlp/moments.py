"""Meaningful moments in a person's life or business, found in their own words.

Each moment has a type, a confidence and the evidence span. Two traps matter most:
negation ("not moving after all", "didn't get the job") and other people's news
("my friend got promoted", "congrats to Ana on the new role"). Pure functions.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from nlp.prefilter import Prefilter

MOMENT_TYPES = (
    "new_job", "launch", "funding", "acquisition", "moving", "wedding", "baby", "birthday",
    "anniversary", "illness", "bereavement", "award", "speaking",
)

_I = r"(?:i|i'm|i am|i've|i have|we|we're|we are|we've|we have|our team|just)"
_NUM = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty)"
_PLACE = r"(?-i:[A-Z])[\w'-]+"  # a capitalised name: "Lisbon", "NYC", "Austin"
_KIN = (r"(?:mum|mom|mother|dad|father|mama|papa|grand(?:ma|pa|mother|father|ad|dad|parents?)|gran|nan|nana|"
        r"brother|sister|son|daughter|wife|husband|partner|uncle|aunt|cousin|nephew|niece|best friend|friend|"
        r"dog|cat|pup|puppy|kitty|horse|boy|girl)")
_ROLE = (r"(?:engineer|developer|designer|manager|director|head|lead|vp|cto|ceo|coo|cfo|founder|analyst|scientist|"
         r"advocate|consultant|pm|product manager|architect|intern|editor|writer|marketer|recruiter|officer|"
         r"specialist|associate|partner|principal|employee|hire)")

PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "new_job": [
        re.compile(rf"\b{_I} (?:officially |finally |just )?(?:joined|started at|started as|accepted (?:a|an|the|their) "
                   r"(?:offer|role|position|job)|been promoted)\b", re.I),
        re.compile(r"\b(?:excited|thrilled|happy|proud|delighted) to (?:share|announce) (?:that )?(?:i(?:'m| am|'ve| have|"
                   r"'ll be| will be)?|my) (?:officially |now )?(?:joined|joining|starting|new role|new job|new position|"
                   r"been promoted|accepted)", re.I),
        re.compile(r"\b(?:starting|started|start) (?:a|my) new (?:role|job|position|chapter)\b(?! (?:search|hunt|board))",
                   re.I),
        re.compile(r"\b(?:my )?first (?:day|week|month) (?:at|as|with) \w+|\bday (?:1|one) (?:at|as|with) \S+", re.I),
        re.compile(r"\b(?:i|i've|i have|i was|just|finally) (?:got|been|was|get|getting) promoted\b|\bpromoted to \w+",
                   re.I),
        re.compile(r"\bnew (?:role|job|position) (?:at|as|with)\b|\bnew job\b(?! (?:search|hunt|board|post|opening))", re.I),
        re.compile(r"\b(?:got|landed|accepted|signed) (?:the|a|my|an) (?:new )?(?:job|role|offer|position)\b", re.I),
        re.compile(r"\b(?:i'?m|i am|i'?ll be|i will be) (?:now |officially )?(?:joining|starting at|starting as|"
                   r"starting with)\b", re.I),
        re.compile(r"(?:^|[.!?:]\s+|\n)(?:officially |finally )?(?:joining|joined|starting at|started at) ", re.I),
        re.compile(rf"\b(?:i )?start(?:ing|ed)? (?:at|with) (?:(?:the )?{_PLACE})", re.I),
        re.compile(rf"\b(?:i'?m|i am) (?:now|officially) (?:a |an |the )?(?:\w+ ){{0,3}}?{_ROLE}\b|"
                   rf"\bas of (?:today|monday|this week),? (?:i'?m|i am) (?:now )?(?:a |an |the )(?:\w+ ){{0,3}}?{_ROLE}\b",
                   re.I),
    ],
    "launch": [
        re.compile(rf"\b{_I} (?:just |finally |officially )?(?:launched|shipped|released|went live|are live|"
                   r"launch(?:ed|ing) today|opened)\b", re.I),
        re.compile(r"\b(?:it'?s )?launch day\b|\bwe'?re live\b|\bis (?:now |finally |officially )?live\b|"
                   r"\bintroducing \w+|\bnow available\b|\blive on product hunt\b|\bgenerally available\b|"
                   r"\b(?:our|my) [\w' -]{1,40}? (?:went|goes|is going) live\b|\bopened (?:the|our) doors\b", re.I),
        re.compile(r"\b(?:today |finally )?(?:we'?re|we are|i'?m|i am) (?:officially |finally )?"
                   r"(?:launching|releasing|shipping|opening)\b", re.I),
        re.compile(r"(?:^|[.!?:]\s+|\n)(?:just |finally )?(?:soft[- ]?)?launched\b|\bsoft[- ]?launched\b", re.I),
        re.compile(r"\b(?:is|are) (?:finally |officially )?out (?:now|today|on|in (?:beta|the wild))\b|"
                   r"\b(?:is|are) (?:finally |officially )?out\s*(?:!|🎉|🚀)", re.I),
        re.compile(r"\bship(?:ped|ping) (?:v\d|version \d|\d+\.\d)", re.I),
        re.compile(r"\bhit (?:v?1\.0|general availability)\b", re.I),
    ],
    "funding": [
        re.compile(r"\b(?:raised|closed|closing|secured|announcing|announce) (?:a|our|an)? ?(?:(?:\$|€|£)[\d.,]+ ?"
                   r"(?:[mkb]\b|mn\b|million|billion)|seed|pre-seed|series [a-e]|funding|bridge)(?: round)?", re.I),
        re.compile(r"\bseries [a-e] (?:round|funding)\b", re.I),
        re.compile(r"\b(?:we|i)(?:'ve| have)? (?:just |finally |officially )?(?:raised|closed|secured|landed|received|"
                   r"got|won)\b[^.!?\n]{0,40}?\b(?:round|funding|seed|series [a-e]|investment|grant)\b", re.I),
        re.compile(r"\b(?:closed|closing|raised|announcing|announce|secured) our (?:[\w$€£.,-]+ ){0,3}"
                   r"(?:round|seed|series [a-e]|funding)\b", re.I),
        re.compile(r"\b(?:got|getting|are|we'?re|fully) funded\b|\bpre-seed (?:done|closed|round)\b|"
                   r"\b(?:crowdfunding|kickstarter|indiegogo)(?: campaign)? (?:just )?(?:hit|reached|is funded|"
                   r"was funded|funded)\b", re.I),
    ],
    "acquisition": [
        re.compile(r"\b(?:been|being|was|were|got|get|getting) (?:acquired|bought) by\b|\b(?:we|i)(?:'ve| have)? "
                   r"(?:just )?(?:acquired|agreed to acquire)\b|\bacquisition of \w+|\bagreement to acquire\b|"
                   r"\bwe'?re being acquired\b", re.I),
        re.compile(rf"\b(?:is|are) now (?:officially )?part of (?:the )?{_PLACE}", re.I),
        re.compile(r"\bsold (?:my|our) (?:\w+ )?(?:company|startup|agency|business|firm|shop|studio|app)\b", re.I),
    ],
    "moving": [
        # a place follows (capitalised): "moving to Lisbon", not "moving to a warehouse"
        re.compile(rf"\b(?:moving|relocating|moved|relocated)(?: house| home)? (?:from {_PLACE} )?(?:back )?"
                   rf"(?:home )?to (?:the )?{_PLACE}", re.I),
        re.compile(r"\b(?:relocating|moving (?:house|home|abroad|countries|cities|in))\b(?: (?:in|this|next|on) \w+)?",
                   re.I),
        re.compile(r"\b(?:packing (?:boxes|up the)|new (?:city|apartment|flat|house|home)|moving day|"
                   r"moved (?:in|into) (?:our|my|a|the)|signed (?:the|a) lease)\b", re.I),
        re.compile(r"\b(?:bought|buying|closed on|got the keys to) (?:a|our|my|the) (?:first |new )?"
                   r"(?:house|home|flat|apartment|place)\b(?![ -]?(?:plants?|party|music|wine|rules))", re.I),
        re.compile(r"\blast (?:night|day|week) in (?:our|my|the) (?:old )?(?:apartment|flat|house|place|home)\b",
                   re.I),
        re.compile(r"\b(?:office|hq|headquarters|studio|team) (?:is )?(?:moving|relocating|moved|relocated)\b", re.I),
        re.compile(rf"\bleaving {_PLACE}\b[^.!?\n]{{0,40}}\bfor {_PLACE}", re.I),
    ],
    "wedding": [
        re.compile(r"\b(?:i|we) (?:just )?(?:got |are getting |'re getting )?married\b|\bour wedding\b|"
                   r"\btied the knot\b|\b(?:we|i)(?:'re| are| got| just got)? engaged\b|\b(?:got|just got) engaged\b|"
                   r"\bgetting married\b|\bmarried (?:on|last|this|yesterday|today)\b|\bi married\b|\beloped\b|"
                   r"\bmarried life\b|\bhoneymoon\b|\bmr\.? (?:&|and) mrs\b|#(?:wedding|justmarried|weddingday)\b",
                   re.I),
    ],
    "baby": [
        re.compile(r"\bwelcomed? (?:our|a) (?:baby|son|daughter|little|twins)\b|\bbaby (?:boy|girl) (?:arrived|is here)\b|"
                   r"\b(?:i'?m|we'?re) (?:a )?new (?:dad|mom|mum|parents?)\b|\b(?:parental|paternity|maternity) leave\b",
                   re.I),
        re.compile(r"\bwe'?re expecting\b|\b(?:i'?m|we'?re|i am|we are) (?:going to be|gonna be) (?:a )?"
                   r"(?:dad|mom|mum|parents?|father|mother)\b|\bwelcome to the world\b", re.I),
        re.compile(r"\b(?:our|my) (?:baby|son|daughter|twins|little one|baby girl|baby boy)(?: (?-i:[A-Z])\w+)? "
                   r"(?:was |were |is |are )?(?:born|arrived|is here)\b|\b(?:twins|baby) (?:were|was) born\b", re.I),
        re.compile(r"\bhome with (?:our|my) (?:new )?(?:son|daughter|baby|newborn|twins)\b", re.I),
    ],
    "birthday": [
        re.compile(r"\b(?:it'?s )?my (?:\d+(?:st|nd|rd|th) )?birthday\b|\banother trip around the sun\b|"
                   r"\bi turn(?:ed)? \d\d\b|\bhappy birthday to me\b|\bb-?day\b|\banother year older\b|"
                   r"\bbirthday (?:wishes|messages)\b", re.I),
        re.compile(r"\bturn(?:ed|ing)? \d\d\b(?!\s*%)|(?:^|[.!?]\s+)\d\d today\b", re.I),
    ],
    "anniversary": [
        re.compile(rf"\b{_NUM} years? (?:at (?-i:[A-Z@])|with (?-i:[A-Z@])|(?:at|with) the (?:company|team|firm)\b|"
                   r"since (?:i|we) (?:joined|started|founded|launched|began|opened|quit))|\bwork anniversary\b|"
                   r"\b\d+(?:st|nd|rd|th) anniversary\b", re.I),
        re.compile(rf"\b{_NUM} years? (?:ago today|today)\b|\bturns {_NUM} today\b|"
                   rf"\b{_NUM} years? of (?:marriage|being married|business|building)\b|"
                   rf"\b{_NUM} years? as (?:a|an) (?:\w+ ){{1,2}}(?:customer|user|member)\b", re.I),
    ],
    "illness": [
        re.compile(r"\b(?:(?:in|at) (?:the )?hospital|(?:had|after|from|having|post[- ]op|home after) (?:my |a |an )?"
                   r"(?:\w+ )?surgery|diagnosed with|recovering from|on (?:sick|medical) leave|been (?:ill|sick)|"
                   r"health scare|chemo)\b", re.I),
        re.compile(r"\b(?:out sick|called in sick|home sick|off sick)\b|\bfever of\b|"
                   r"\b(?:off|leave|break) for (?:my )?mental health\b", re.I),
        re.compile(r"\b(?:down with|with|got|caught|have|had|of|from|fighting|battling) (?:a |the |bad |nasty )?"
                   r"(?:bout of |case of )?(?:covid|pneumonia|flu|bronchitis|tonsillitis|appendicitis|concussion|"
                   r"migraine|cancer|shingles|strep|sepsis|a stroke|stroke|heart attack)\b", re.I),
        re.compile(r"\b(?:broke|fractured|sprained|tore|dislocated) my (?:\w+ )?(?:wrist|arm|leg|ankle|foot|hand|"
                   r"collarbone|hip|back|acl|knee|finger|rib|shoulder)s?\b", re.I),
    ],
    "bereavement": [
        re.compile(r"\b(?:passed away|rest in peace|funeral|in loving memory|gone (?:far )?too soon)\b", re.I),
        re.compile(rf"\b(?:lost|loss of|said goodbye to|rip to|rip) (?:my|our) (?:\w+ )?{_KIN}s?\b", re.I),
        re.compile(rf"\b(?:my|our) (?:beloved |dear |sweet |old )?{_KIN}(?: (?-i:[A-Z])\w+)? (?:has )?"
                   r"(?:died|passed)\b", re.I),
        re.compile(rf"\bsaid (?:goodbye|farewell) to {_PLACE} (?:today|this|yesterday|last)\b", re.I),
        re.compile(r"\b(?:i'?m|we'?re|still|we are|i am) grieving\b|\bgrieving (?:my|our|the loss)\b|"
                   r"\bmiss you\b[^.!?\n]{0,20}\b(?:dad|mum|mom|mama|papa|grandma|grandpa|nan|gran)\b", re.I),
    ],
    "award": [
        re.compile(r"\b(?:won|win|winning|awarded|received|got|shortlisted for|finalists? (?:for|in)|"
                   r"honou?red to receive) (?:the |an? |our )?[\w' -]{0,40}?\b(?:awards?|prize)\b", re.I),
        re.compile(r"\b(?:shortlisted|nominated|finalists?) (?:for|in) (?:the |an? )?(?-i:[A-Z])", re.I),
        re.compile(r"\b(?:we|i|our (?:\w+ ){0,2}|my (?:\w+ ){0,2})(?:just |have |'ve )?(?:won|took home|scooped|"
                   r"bagged|were named|was named) (?:the )?(?:gold|silver|bronze|first place|1st place|top prize|"
                   r"grand prize|[\w' ]{0,30}? of the year)\b", re.I),
        re.compile(r"\bnamed (?:one of |to )?(?:the )?(?:forbes )?(?:30 under 30|\w+ 100)\b", re.I),
    ],
    "speaking": [
        re.compile(r"\b(?:i'?ll be|i am|i'?m|we'?re|we are|we'?ll be) (?:speaking|presenting|giving a talk|keynoting|"
                   r"on a panel)\b|\b(?:my|our) (?:talk|keynote|session|panel|workshop) (?:at|on|tomorrow)\b|"
                   r"\bcome (?:see|hear) (?:me|us) (?:at|speak)\b|\bcatch (?:me|us) (?:on|at)\b", re.I),
        re.compile(r"\b(?:giving|gave|give|hosting|running|teaching|leading) (?:a|my|the|our) (?:[\w-]+ ){0,3}?"
                   r"(?:talk|keynote|workshop|presentation|webinar|masterclass|tutorial)\b", re.I),
        re.compile(r"\b(?:recorded|was on|joined|guest on|i'?m on|we'?re on) (?:a |the )?(?:[\w@-]+ ){0,2}?podcast\b|"
                   r"\b(?:got off|off) stage\b", re.I),
    ],
}

# One pass over the post decides which patterns may match (nlp/prefilter.py); most posts run none.
_PREFILTER = Prefilter(p for patterns in PATTERNS.values() for p in patterns)
_GATED = [(kind, p, _PREFILTER.bit[p]) for kind, patterns in PATTERNS.items() for p in patterns]


_NEGATION = re.compile(
    r"\b(?:not|never|no longer|didn'?t|don'?t|won'?t|isn'?t|aren'?t|wasn'?t|weren'?t|haven'?t|hasn'?t|"
    r"cancel+ed|fell through|if only|hope to|hoping to|would love to|someday|one day|wish i|"
    # hypothetical or almost-happened: "thinking about moving", "if we ever get acquired", "almost got acquired"
    r"thinking (?:about|of)|considering|if (?:we|i)|almost|nearly|supposed to|plan(?:ning)? to|might|maybe|"
    r"want to|wanna|pull(?:ed|ing)? out of|had to cancel|rumou?r)\b",
    re.I,
)
_NEGATION_AFTER = re.compile(
    r"^[^.!?]{0,40}\b(?:after all|fell through|didn'?t happen|is off|was cancel+ed|was called off|"
    r"was postponed|(?:got|was) (?:rejected|rescinded))\b", re.I)
# Someone else's news, anywhere in the sentence: "congrats to Ana", "so proud of her", "@ana just ..."
_HEARSAY = re.compile(
    r"\bcongrat\w*\b|\b(?:he|she|they)(?:'s| has| is| just| was| got)\b|@\w+ (?:just|has|is|got)\b|"
    r"\bso (?:happy|proud) for\b|\bproud of (?:him|her|them)\b|\bwelcome (?:to the team|aboard)\b|"
    r"\b(?:sad|sorry|heartbroken) to (?:hear|learn|read)\b|\brumou?r\b|\baccording to\b",
    re.I,
)
# A person other than the author as the subject of the clause: "my friend got promoted".
_WORK_RELATION = re.compile(
    r"\b(?:my|our|his|her|their) (?:colleague|coworker|co-worker|boss|manager|teammate|team ?mate|client|intern|"
    r"new hire|hire|cto|ceo|founder|employee|report|student|(?:former|old|ex)[- ](?:colleague|boss|coworker|"
    r"co-worker|manager|teammate|classmate|student|employer|company))s?\b",
    re.I,
)
# Close family and friends: their illness or death is the author's moment too, nothing else is.
_CLOSE_RELATION = re.compile(
    r"\b(?:my|our|his|her|their) (?:best )?(?:friends?|sister|brother|cousin|parents|parents'|mum|mom|dad|mother|"
    r"father|grand\w+|aunt|uncle|niece|nephew|in-laws|neighbou?r|buddy|pal|roommate|flatmate|sibling)s?\b",
    re.I,
)
_OWN_FAMILY_OK = {"illness", "bereavement"}
_CLAUSE_BREAK = re.compile(r"[,;:–—(]|\s-\s|\b(?:but|and|so|while|then)\b", re.I)
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
    candidates = _PREFILTER.scan(text)
    if not candidates:
        return []
    for kind, pattern, bit in _GATED:
        if candidates & bit:
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
    context = sentence[: m_end + 20]
    # the clause holding the match: a relation named in an earlier clause is not its subject
    breaks = [b.end() for b in _CLAUSE_BREAK.finditer(sentence, 0, m_start)]
    clause = sentence[breaks[-1] if breaks else 0: m_end]  # "my friend got promoted", not "I married my best friend"
    others = _HEARSAY.search(context) or _WORK_RELATION.search(clause)
    family = _CLOSE_RELATION.search(clause, 0, len(clause) - (m_end - m_start))
    if others or (family and kind not in _OWN_FAMILY_OK):
        return None
    others = others or family
    confidence = 0.75
    if _FIRST_PERSON.search(sentence):
        confidence += 0.15
    if others:
        confidence -= 0.2
    evidence = sentence.strip()
    if len(evidence) > 180:
        evidence = evidence[:177].rstrip() + "…"
    return Moment(kind, round(min(confidence, 0.95), 2), evidence, start, end)
