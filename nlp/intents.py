"""What a post wants from us: a question, a complaint, praise, purchase intent, churn risk.

Pure functions over text and a sentiment score; the spaCy component is glue.

Each intent has strong cues (unambiguous phrasing: "still no response", "cancelling our subscription")
that fire on their own, and weak cues (single words such as "error", "love", "leaving") that need the
sentiment score or the post being addressed to us to agree. Rhetorical questions, sarcastic praise,
thanks to friends and followers, and resolved problems ("fixed the broken export") are filtered out.
"""
from __future__ import annotations

import re

from nlp.prefilter import Prefilter

INTENTS = ("question", "complaint", "praise", "purchase_intent", "churn_risk")

# ----------------------------------------------------------------------------------------- question
_Q_WORDS = (r"how|what|what's|why|when|where|which|who|can|could|does|do|did|is|are|will|would|should|any(?:one|body)|"
            r"has anyone|have you|is there|are there|someone|somebody")
_QUESTION_START = re.compile(
    rf"(?:^|[.!?,:;]\s*|\n|@\w+\s+|\b(?:hey|hi|so|ok|also|and|but|quick q(?:uestion)?:?)\s+)\s*(?:{_Q_WORDS})\b"
    r"[^.!?\n]*\?",
    re.IGNORECASE,
)
_QUESTION_ANY = re.compile(r"\?\s*($|[\s#@)])")
_ASK = re.compile(
    r"\b(any (tips|advice|ideas|recommendations|recs|suggestions)|wondering (if|whether|how)|help me|is there a way|"
    r"how do i|how can i|how do we|quick q(uestion)?\b|(what'?s|what is) the (best|easiest|right|fastest) way to|"
    r"(suggestions|recommendations|recs|ideas|tips|advice|thoughts)\s*\?|"
    r"who should i (contact|ask|talk to)|(where|how) (can|do|should) i (find|get|start))",
    re.I,
)
# A question to us without a question mark: "@fernhillhq what role does it need"
_ASK_TO_US = re.compile(
    r"(?:^|[.!?]\s+|\n|@\w+\s+)(?:how|what|which|where|when|who|can|could|does|do|is there|are there)\s+"
    r"(?!a\b|an\b|the hell\b)\w+\s+\w+", re.I)
_RHETORICAL = re.compile(
    r"\b(?:who knew|guess (?:who|what)|who else|ever wonder(?:ed)?|can you believe|what'?s the point|"
    r"how did (?:we|i) (?:ever )?(?:live|survive|manage|cope|do)|why (?:does|do|is|are) (?:every|it always)|"
    r"what could (?:possibly )?go wrong|how hard can it be|am i the only one|isn'?t it|right\?$)[^?]*\?",
    re.I,
)
_QUOTED_QUESTION = re.compile(r"[\"“][^\"”]*\?[\"”]|[\"“][^\"”]*[\"”]\s*[—–-]\s*me\b", re.I)

# ---------------------------------------------------------------------------------------- complaint
_COMPLAINT_STRONG = re.compile(
    r"\b(broken|not working|doesn'?t work|stopped working|unusable|unacceptable|still waiting|"
    r"no (response|reply|answer)|nobody (answers|replied|responds|has replied)|overcharg\w+|charged (us|me) twice|"
    r"double[- ]charged|canned (replies|responses)|waste of|ridiculous|useless|terrible|awful|worst|"
    r"frustrat\w+|disappoint\w+|annoy\w+|sick of|fed up|last straw|gone downhill|went downhill|getting worse|"
    r"is a joke|laggy|keeps? (crashing|freezing|failing|breaking|eating|losing|dropping|disconnecting|logging me out|"
    r"timing out)|won'?t (load|open|sync|work|connect|save|export|let me)|can'?t (log ?in|login|access|export|"
    r"connect) |login loop|please fix|fix (this|it) already|(is|are|got|getting) (so|really|very|painfully) slow|"
    r"how slow|too slow|painfully slow|slow(er)? than|getting old|out of hand|too expensive|overpriced|price hike|"
    r"rip-?off|thanks for nothing|(would|do|will|could) not recommend|(wouldn'?t|don'?t|can'?t) recommend|"
    r"(isn'?t|not|still not) fixed|still broken|down again|\d+\s*(days|weeks) (and )?still|"
    r"(arrived|came) (broken|damaged|warped|cracked)|warped|soggy|"
    r"(update|release|upgrade|patch|version|change) (\w+ )?(broke|breaks)|this broke|"
    r"(flight|train|order|delivery) (was |got )?(cancel+ed|delayed|lost)|"
    r"love how [^.!?]{0,40}(crash|break|fail|freez|los|delet|crap))",
    re.IGNORECASE,
)
# product-problem words: a complaint when the post is negative or addressed to us
_COMPLAINT_WEAK = re.compile(
    r"\b(bugs?|buggy|crash(ed|es|ing)?|outages?|fail(ed|ing|s)?|errors?( out)?|refund|flak(ed|y|ing)|glitch\w*|"
    r"(?<![$€£~])(404|500|502|503)s?(?! ?(?:/|per|a month|users|seats|rows))|timeouts?|times out|disconnect\w*)\b",
    re.IGNORECASE,
)
# vaguer trouble words: only when the post is addressed to us
_COMPLAINT_TO_US = re.compile(r"\b(down|slow|issues?|problems?|confus\w+|stuck|lost|missing|again|wrong)\b", re.I)
# a problem reported as solved is not a complaint: "fixed the broken export", "no complaints"
_RESOLVED = re.compile(
    r"\b(fixed|resolved|sorted|solved|squashed|cut|no more|no complaints|without (any )?(issues|problems))\b"
    r"[^.!?]{0,30}$", re.I)

# ------------------------------------------------------------------------------------------- praise
_PRAISE_STRONG = re.compile(
    r"\b(thank(s| you)|kudos|shout[- ]?out|game[- ]?changer|life[- ]?saver|that'?s how you do|"
    r"keeps getting better|never looked back|(would|highly|definitely|10/10 would) recommend|"
    r"the best (\w+ )?(i'?ve|we'?ve) (ever )?(used|seen|dealt with|had)|most reliable|saved (me|us) "
    r"(so many|hours|days|a ton)|nice work|great (job|work|support|team|product)|well done|"
    r"exactly what (we|i|our \w+) needed|love (it|this|your)\b|"
    r"(really )?appreciate (it|the|your|you))\b",
    re.IGNORECASE,
)
# compliments that need a product, feature or support team in the sentence (or the post addressed to us):
# "the new filters are so good" is praise, "the Q&A was great" and "I feel great" are not
_PRAISE_WEAK = re.compile(
    r"\b((is|are|was|were|looks?) (so |really |just |genuinely |absolutely )?(great|excellent|fantastic|brilliant|"
    r"amazing|awesome|superb|beautiful|gorgeous|slick|solid|good)|(so|really|super|insanely|incredibly) (good|great|"
    r"nice|useful|helpful|fast|smooth|easy)|amazing|awesome|brilliant|fantastic|impressed|gorgeous|beautiful|slick|"
    r"superb|excellent|delightful|recommend(ed)?|reliable|love(?! to))\b",
    re.IGNORECASE,
)
_PRODUCT = re.compile(
    r"\b(app|tool|product|support|team|feature|features|update|release|version|dashboards?|charts?|maps?|ui|ux|"
    r"onboarding|docs|api|integration|connector|service|platform|filters?|exports?|editor|reports?|view|"
    r"plan|pricing|customer service)\b|@\w+", re.I)
# thanks and compliments that are not about a product or company
_NOT_PRAISE = re.compile(
    r"\bthank(s| you)( so much)?( to)? (all|everyone|every one|everybody|y'?all|you all|all of you|backers|"
    r"contributors|friends|folks|followers|the \d+|all \d+|every customer)\b|"
    r"\bthank(s| you) for (everything|nothing|(all )?the (lovely|kind|sweet|birthday) (messages|wishes|words))\b|"
    r"\b(amazing|awesome|impressive|incredible) (how|that)\b|"
    r"\b(my|our) (amazing|awesome|brilliant|wonderful|fantastic) (mum|mom|dad|wife|husband|partner|team|"
    r"friends?|family|kids?|son|daughter|parents)\b",
    re.I,
)

# ---------------------------------------------------------------------------------- purchase intent
_PURCHASE = re.compile(
    r"\b((looking|searching|shopping) for (a|an|some)? ?(new |good |better |cheap(er)? |simple )?([\w-]+ ){0,2}"
    r"(tool|alternative|platform|solution|vendor|software|app|service)|alternatives? to|"
    r"(need|want) (a|an) (new |good |better |cheap(er)? |simple )?([\w-]+ ){0,2}(tool|platform|solution|software|"
    r"app)|recommend (a|an|any)|how much (does|is|for)|free trial|trial(l)?ing|"
    r"(get|book|schedule|request|set up|see|want) a demo|demo (for|of) (our|my)|evaluating|shortlisting|"
    r"want to buy|(going|about|ready|plan(ning)?) to (buy|purchase|sign up|subscribe|upgrade)|gonna buy|"
    r"we'?re buying|budget for|(get|request|send (me|us)) a quote|(do you|does it) (offer|have) [\w ]{0,20}"
    r"(pricing|discount|plan)|(what'?s|what is|any) (the )?(pricing|price|cost)|referral code|discount code|"
    r"promo code|licen[cs]es for|on (our|my|the) shortlist|worth (it|the money|paying for)[^.!]*\?)",
    re.IGNORECASE,
)
_NOT_PURCHASE = re.compile(r"\b(not in the market|not looking|don'?t need|happy where we are)\b", re.I)

# --------------------------------------------------------------------------------------- churn risk
_CHURN_STRONG = re.compile(
    r"\b(cancel+(ing|ed|ling)?( my| our)? (subscription|account|plan|contract|membership|seats?|licen[cs]es?)|"
    r"switch(ing|ed)? away from|not renewing|won'?t (be )?renew(ing)?|(moving|migrating|switching|move|migrate) "
    r"(away )?(off|out of)|(moving|migrating|switching|porting) (our|my|all|the) ([\w-]+ ){0,2}(from|off)|"
    r"(delete|close|deactivate|cancel) (my|our) (account|workspace|subscription|data)|"
    r"last day on (the|this) (platform|tool|product|service)|exported (all )?(our|my) [\w ]{0,30}out of|"
    r"try something else|look(ing)? (at|for|into) (other options|alternatives|something else)|"
    r"(contract|subscription|plan) (with \w+ )?(is up|ends|runs out))\b",
    re.IGNORECASE,
)
_CANCEL = re.compile(r"\bcancel+(ing|ed|ling|s)?\b", re.I)
_CHURN_WEAK = re.compile(
    r"\b(switch(ing|ed)? (to|from)|moving (away )?from|migrat(e|ing) (off|away|from)|"
    r"leaving|done with|(looking|look) (at|for) alternatives)\b",
    re.IGNORECASE,
)
_NOT_CHURN = re.compile(r"\b(almost|nearly|glad we didn'?t|no plans to|not (switching|leaving|cancel\w*))\b", re.I)


# One pass over the post decides which of the patterns above may match (nlp/prefilter.py).
_PREFILTER = Prefilter(p for p in list(globals().values()) if isinstance(p, re.Pattern))
_BIT = _PREFILTER.bit
# Without one of these in the post, a post not addressed to us has no intent (and nothing is stripped).
_CUES = 0
for _p in (_QUESTION_START, _ASK, _COMPLAINT_STRONG, _COMPLAINT_WEAK, _PRAISE_STRONG, _PRAISE_WEAK, _PURCHASE,
           _CHURN_STRONG, _CHURN_WEAK, _RHETORICAL, _QUOTED_QUESTION, _NOT_PRAISE):
    _CUES |= _BIT[_p]


def _search(pattern: re.Pattern[str], text: str, may: int) -> bool:
    return bool(may & _BIT[pattern]) and pattern.search(text) is not None


def _strip(pattern: re.Pattern[str], text: str, may: int) -> str:
    return pattern.sub(" ", text) if may & _BIT[pattern] else text


def _is_question(text: str, addressed_to_us: bool, may: int) -> bool:
    cleaned = _strip(_QUOTED_QUESTION, _strip(_RHETORICAL, text, may), may)
    if cleaned != text:
        may = _PREFILTER.scan(cleaned)
    if _search(_QUESTION_START, cleaned, may) or _search(_ASK, cleaned, may):
        return True
    if addressed_to_us and (_search(_QUESTION_ANY, cleaned, may) or _search(_ASK_TO_US, cleaned, may)):
        return True
    return False


def _weak_praise(text: str, addressed_to_us: bool, may: int) -> bool:
    if not may & _BIT[_PRAISE_WEAK]:
        return False
    for m in _PRAISE_WEAK.finditer(text):
        if addressed_to_us:
            return True
        if not may & _BIT[_PRODUCT]:
            return False
        s = max(text.rfind(".", 0, m.start()), text.rfind("!", 0, m.start()), text.rfind("?", 0, m.start())) + 1
        e = min((i for i in (text.find(".", m.end()), text.find("!", m.end()), text.find("?", m.end())) if i >= 0),
                default=len(text))
        if _PRODUCT.search(text, s, e):
            return True
    return False


def _complaint_cues(text: str, pattern: re.Pattern[str], may: int) -> bool:
    """Whether ``pattern`` finds a cue not reported as already fixed."""
    if not may & _BIT[pattern]:
        return False
    if not may & _BIT[_RESOLVED]:
        return pattern.search(text) is not None
    return any(not _RESOLVED.search(text[max(0, m.start() - 40): m.start()]) for m in pattern.finditer(text))


def _bits(*patterns: re.Pattern[str]) -> int:
    mask = 0
    for p in patterns:
        mask |= _BIT[p]
    return mask


# Which bits make each check worth running. The patterns that rewrite the text before a check (rhetorical
# and quoted questions, thanks to friends) are included, so a check is skipped only when its text is the post.
_ASKING = _bits(_QUESTION_START, _ASK, _RHETORICAL, _QUOTED_QUESTION)
_ASKING_US = _ASKING | _bits(_QUESTION_ANY, _ASK_TO_US)
_PRAISING = _bits(_PRAISE_STRONG, _PRAISE_WEAK, _NOT_PRAISE)
_COMPLAINING = _bits(_COMPLAINT_STRONG, _COMPLAINT_WEAK)
_BUYING = _BIT[_PURCHASE]
_LEAVING = _bits(_CHURN_STRONG, _CHURN_WEAK, _CANCEL)


def detect_intents(text: str, sentiment: float | None = None, addressed_to_us: bool = False) -> list[str]:
    """Intents in a stable order. Sentiment sharpens complaint/praise; questions need a real ask."""
    may = _PREFILTER.scan(text)
    if not addressed_to_us and not may & _CUES:
        return []
    found: list[str] = []
    if may & (_ASKING_US if addressed_to_us else _ASKING) and _is_question(text, addressed_to_us, may):
        found.append("question")
    negative = sentiment is not None and sentiment <= -0.25
    positive = sentiment is not None and sentiment >= 0.25
    strong_complaint = weak_complaint = False
    if may & _COMPLAINING:
        strong_complaint = _complaint_cues(text, _COMPLAINT_STRONG, may)
        weak_complaint = _complaint_cues(text, _COMPLAINT_WEAK, may)
    praise_text, praise_may, strong_praise = text, may, False
    if may & _PRAISING:
        praise_text = _strip(_NOT_PRAISE, text, may)
        praise_may = may if praise_text == text else _PREFILTER.scan(praise_text)
        strong_praise = _search(_PRAISE_STRONG, praise_text, praise_may)
    complaint = strong_complaint or (weak_complaint and negative) or (addressed_to_us and not positive and (
        weak_complaint or _complaint_cues(text, _COMPLAINT_TO_US, may)
        or (sentiment is not None and sentiment <= -0.6 and not strong_praise)))
    if complaint:
        found.append("complaint")
    if not strong_complaint and (strong_praise or (not negative and not complaint and _weak_praise(
            praise_text, addressed_to_us, praise_may))):
        found.append("praise")
    if may & _BUYING and _search(_PURCHASE, text, may) and not _search(_NOT_PURCHASE, text, may):
        found.append("purchase_intent")
    if may & _LEAVING and not _search(_NOT_CHURN, text, may) and (
            _search(_CHURN_STRONG, text, may) or (_search(_CANCEL, text, may) and addressed_to_us)
            or (_search(_CHURN_WEAK, text, may) and (addressed_to_us or (negative and complaint)))):
        found.append("churn_risk")
    return found
