"""What a post wants from us, with the words that show it: a question, a complaint, praise, purchase
intent, churn risk.

Public functions (issue 19's reply composer reads posts through these):

* :func:`read_intents` → ``[Intent(name, evidence, start, end, confidence)]``: every intent with the
  span of the post that shows it (quoted in the queue, the alerts and the digest);
* :func:`detect_intents` → the names only;
* :func:`is_sarcastic` → praise words around a failure ("love how the export takes 4 hours"): read as a
  complaint, never as praise.

How each is decided:

* **complaint**: the complaint model (:mod:`nlp.complaints`, trained on brand-directed tweets in eight
  domains plus our own posts) gives P(complaint). A post addressed to us is a complaint when P ≥ the
  model's threshold. A post not addressed to us needs a product or service it is about (a @mention, a
  product word such as "export", "invoice", "delivery", "support") and a higher P, so everyday grumbles
  (the weather, Mondays, one's own bug) are not complaints. Sarcasm and a few unmistakable phrasings
  ("still no response", "charged us twice") count as complaints whatever the model says. A problem
  reported as fixed is not one.
* **question**: only a question someone could answer for the author: how-to, pricing, availability, a
  problem, a recommendation. Rhetorical ("can you believe…", "what could go wrong") and social ("anyone
  watching the game tonight?", "who else is at…") questions are not intents. A question mark in a post
  addressed to us is enough, unless the question is rhetorical or social.
* **purchase_intent** (wants to buy, evaluate or upgrade) and **churn_risk** (an existing customer
  leaving, cancelling, not renewing, or shopping for a replacement) are told apart by the customer's
  position: "evaluating BI tools" is buying, "evaluating alternatives, the renewal price jump…" is leaving.
* **praise**: thanks or compliments about a product, service or team; never when the post complains or
  is sarcastic.

Pure functions over text, the sentiment label and (optionally) a precomputed complaint probability.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from nlp import readers
from nlp.polarity import is_negative, is_positive
from nlp.prefilter import Prefilter

INTENTS = ("question", "complaint", "praise", "purchase_intent", "churn_risk")
EVIDENCE_MAX = 160


@dataclass(frozen=True, slots=True)
class Intent:
    name: str
    evidence: str  # the sentence (or clause) of the post that shows the intent, as written
    start: int
    end: int
    confidence: float

    def to_dict(self) -> dict:
        return asdict(self)


# ----------------------------------------------------------------------------------------- question
_Q_WORDS = (r"how|what|what's|whats|why|when|where|which|who|can|could|does|do|did|is|are|will|would|should|"
            r"any(?:one|body)|has anyone|have you|is there|are there|someone|somebody")
_INTERROGATIVE = re.compile(
    rf"(?:^|[.!?,:;]\s*|\n|@\w+\s+|\b(?:hey|hi|hello|so|ok|okay|also|and|but|quick q(?:uestion)?:?)\s+)\s*"
    rf"(?:{_Q_WORDS})\b[^.!?\n]*\?", re.IGNORECASE)
_QUESTION_MARK = re.compile(r"[^.!?\n]*\?+(?=\s|$|[#@)\"”])")
# an ask: the author wants to know how, where, which, whether, or a recommendation
_ASK = re.compile(
    r"\b(any (?:good )?(?:tips|advice|ideas|recommendations?|recs|suggestions|pointers)\b|wondering (?:if|whether|how)|"
    r"help me\b|is there (?:a|any) (?:way|tool|setting|option|plugin|integration|api)|"
    r"how (?:do|can|should|would) (?:i|we|you|one)\b|"
    r"(?:what'?s|what is|whats) the (?:best|easiest|right|fastest|simplest|cheapest|cleanest) way|"
    r"(?:suggestions|recommendations|recs|ideas|tips|advice|thoughts)\s*\?|"
    r"who (?:should|do|can) (?:i|we) (?:contact|ask|talk to|speak to|email)|"
    r"(?:where|how) (?:can|do|should) (?:i|we) (?:find|get|start|see|change|turn|set|download|buy)|"
    r"(?:does|do|has|have) (?:any(?:one|body)|someone|somebody) (?:know|have|use|recommend|done|tried|used|run|"
    r"moved|switched)\b|"
    r"any(?:one|body) (?:know|tried|used|using|recommend|figured out|had luck|seen this|run|ran|moved|switched|"
    r"migrated|done|have|got)\b|worth it\b|"
    r"(?:recommendations?|recs|suggestions|tips|advice) (?:for|in|on|about) [^?.!\n]{0,60}\?|"
    r"(?:what|which) (?:\w+ ){0,2}(?:tool|app|platform|software|service|vendor|library|stack|plan|setting|"
    r"connector|integration)s? (?:do|does|would|should|is|are|can)\b|"
    r"any (?:eta|update|news|timeline|word|idea when)\b|quick q(?:uestion)?\b|can (?:i|we|you) (?:\w+ ){0,3}(?:export|import|connect|schedule|share|add|remove|change|"
    r"set|use|get|embed|filter|sync|migrate|integrate|upgrade|downgrade|cancel|pay|invite|turn|switch)\b|"
    r"(?:does|do|will|can) (?:it|this|you) (?:support|work with|integrate|offer|have|include|"
    r"handle|connect|export|allow|cost)\b|does (?:the|your) \w+ (?:support|work with|integrate|include|handle|"
    r"connect|export|allow|cost)\b|"
    r"(?:how much|what does it cost))",
    re.IGNORECASE)
# questions nobody is expected to answer, or only socially
_RHETORICAL = re.compile(
    r"\b(?:who knew|guess (?:who|what)|ever wonder(?:ed)?|can you believe|what'?s the point|"
    r"how did (?:we|i) (?:ever )?(?:live|survive|manage|cope|do)|why (?:does|do|is|are) (?:every|it always)|"
    r"why do i (?:always|even|keep)|what could (?:possibly )?go wrong|how hard can it be|am i the only one|"
    r"(?:does|do) any(?:one|body) else (?:think|feel|hate|love|find)|isn'?t it|aren'?t we|right\?$|"
    r"how is it (?:already|only|still)|where did (?:the|this) (?:\w+ )?go|who needs|what a\b|why not\?|"
    r"how cool is|how (?:great|good|amazing|awesome|sad|bad) is|is it (?:just me|friday|the weekend)|"
    r"(?:are|r) (?:you|u) (?:kidding|serious|joking))[^?]*\?", re.I)
_SOCIAL = re.compile(
    r"\b(?:any(?:one|body)|who(?: else)?|who'?s) (?:watching|going|coming|around|up for|free|else|in town|at|here|"
    r"near|joining|attending|heading|fancy|want(?:s)? to (?:grab|get|meet)|remember)\b|"
    r"\bany (?:\w+ )?(?:folks|people|friends|fans|peeps|devs|engineers|designers|marketers) (?:in|at|around|near|going)\b|"
    r"\bhow (?:was|were|is|are) (?:your|everyone'?s|everybody'?s|you|ya|u|the (?:weekend|game|match|show))\b|"
    r"\bwhat (?:are|r) (?:you|u|y'?all|everyone) (?:up to|doing|watching|reading|listening|eating|drinking)\b|"
    r"\b(?:did|have) (?:you|u|y'?all|anyone|everyone) (?:see|seen|watch|watched|hear|heard)\b", re.I)
_QUOTED_QUESTION = re.compile(r"[\"“][^\"”]*\?[\"”]|(?<!\w)['‘][^'’]{2,60}\?['’]|[\"“][^\"”]*[\"”]\s*[—–-]\s*me\b", re.I)

# ---------------------------------------------------------------------------------------- complaint
# unmistakable: a complaint wherever the post is aimed at a product or service
_COMPLAINT_STRONG = re.compile(
    r"\b(not working|doesn'?t work|stopped working|unusable|unacceptable|still waiting|still (?:no|not)\b|"
    r"no (?:response|reply|answer)|nobody (?:answers|replied|responds|has replied)|overcharg\w+|"
    r"charged (?:us|me) (?:twice|double|again)|double[- ]charged|canned (?:replies|responses)|waste of (?:money|time)|"
    r"last straw|gone downhill|went downhill|keeps? (?:crashing|freezing|failing|breaking|eating|losing|dropping|"
    r"disconnecting|logging me out|timing out)|(?:been |still )?waiting (?:\d+|two|three|four|several|many) "
    r"(?:days|weeks|months|years)|(?:been )?(?:open|pending|waiting) since|won'?t (?:load|open|sync|work|connect|save|export|let me)|"
    r"can'?t (?:log ?in|login|access|export|connect)\b|login loop|please fix|fix (?:this|it) already|"
    r"thanks for nothing|(?:would|do|will|could) not recommend|(?:wouldn'?t|don'?t|can'?t) recommend|"
    r"(?:isn'?t|not|still not) fixed|still broken|down again|\d+\s*(?:days|weeks) (?:and )?still|"
    r"(?:arrived|came) (?:broken|damaged|warped|cracked)|"
    r"(?:update|release|upgrade|patch|version|change) (?:\w+ )?(?:broke|breaks)|"
    r"(?:flight|train|order|delivery|parcel|package) (?:was |got |has been )?(?:cancel+ed|delayed|lost))",
    re.IGNORECASE)
# what a complaint is about: a product, a service, a vendor (or the post is addressed to us)
_TARGET = re.compile(
    r"(?=[@a-z])(?:(?<![\w@])@\w+|\b(?:app|apps|tool|product|support|customer service|service|feature|update|release|version|"
    r"dashboards?|charts?|reports?|exports?|imports?|sync|api|integration|connector|platform|account|billing|"
    r"bill|invoice|charged?|refund|subscription|plan|pricing|price|seats?|licen[cs]es?|order|delivery|"
    r"shipping|parcel|package|flight|train|booking|ticket|helpdesk|website|site|login|password|checkout|"
    r"email|notification|alert|data|workspace|editor|upload|download|backup|server|status page|ui|ux|"
    r"interface|onboarding|laptop|battery|build quality|headphones|firmware|driver|meal|pizza|restaurant|hotel|"
    r"airline|bank|store|shop|purchase|vendor|provider|contract|renewal|upgrade|downgrade|migration|query|"
    r"queries|filters?|views?|permissions?|sso|schedul\w+|costs?|fees?|digest|embedding|syncs?|trial|"
    r"broadband|signal|wifi|internet|parcel|postie|courier|bus|tarmac|gate|luggage|bag|landlord|"
    r"letting agent|gym|electricity|energy|utility|insurance|claim|card|app store)\b)", re.I)
# the author blames themselves or nothing in particular: not a complaint about a product
_SELF_BLAME = re.compile(
    r"\b(?:i|we) (?:wrote|broke|forgot|caused|introduced|shipped) (?:it|this|that|the|a|my|our)\b|\bmy own\b|"
    r"\bmy (?:fault|bad|mistake)\b|\bclassic me\b|\bour own (?:code|bug|pipeline)\b|\bfalse alarm\b|"
    r"\buser error\b|\bignore my (?:earlier|last|previous)\b|\b(?:works|working) fine\b|\bthe product is fine\b|"
    r"\bbecause i (?:joined|used|picked|chose|forgot|typed|set)\b|\b(?:people|someone|one) who broke\b|"
    r"\bi broke (?:prod|production|the build|it)\b", re.I)
# trouble words: a complaint when the post is aimed at a product and does not read as positive
_TROUBLE = re.compile(
    r"\b(bugs?|buggy|crash(?:ed|es|ing)?|outages?|fail(?:ed|ing|s|ure)?|errors?|glitch\w*|time[sd]? ?outs?|"
    r"broke|broken|breaks|laggy|lag|slow(?:er|ness)?|frozen|freez\w+|missing|wrong|lost|deleted|"
    r"disappeared|vanished|resets?|duplicat\w+|twice|again|issues?|problems?|(?:does|do|did|is|are|was|were|wo|"
    r"ca|could)n'?t (?:work|load|open|sync|save|show|send|match|update|connect|export|import|let)|"
    r"terrible|awful|worst|horrible|ridiculous|useless|(?:is|was) a joke|rip-?off|overpriced|too expensive|"
    r"price hike|frustrat\w+|disappoint\w+|annoy\w+|sick of|fed up|hate|sucks?|garbage|trash|soggy|warped|"
    r"unreliable|confus\w+|nightmare|out of hand|refund|charged|billed|invoiced|overdue|late|delayed|cancel+ed|"
    r"flak\w+|"
    r"(?:no|zero) (?:data|response|reply|answer|fix|update)|not (?:working|loading|fixed|good enough))\b",
    re.IGNORECASE)
# a problem reported as solved is not a complaint: "fixed the broken export", "no complaints"
_RESOLVED = re.compile(
    r"\b(fixed|resolved|sorted|solved|squashed|no more|no complaints|without (?:any )?(?:issues|problems)|"
    r"haven'?t had (?:one|a|any)|not a single|used to (?:have|fight|struggle|hate)|glad we didn'?t|"
    r"(?:works|working|all good|back up|running) (?:again|now)|no worries)\b", re.I)
# sarcasm: praise words wrapped around a failure
_SARCASM_OPEN = re.compile(
    r"\b(?:oh (?:great|brilliant|wonderful|perfect|good|joy|fantastic|lovely)|just (?:great|perfect|brilliant|"
    r"what i needed)|love (?:it )?(?:how|that|when)\b|gotta love|(?:great|nice|good|brilliant) job|"
    r"(?:thanks|thank you) (?:for|so much for) (?:another|nothing|yet another|breaking|"
    r"(?:the )?(?:\w+ )?(?:\d+(?:st|nd|rd|th)|second|third|fourth|fifth))|so glad (?:i|we) pay|"
    r"nothing says \w+ like|really appreciate (?:it|that)\W*$|love that for (?:me|us)|what a (?:treat|joy)|"
    r"(?:cheers|thanks|thank you),? @\w+,? for the|love paying|"
    r"(?:perfect|great|impeccable) timing|(?:wonderful|fantastic|brilliant|great|amazing)[,.!]+ (?:\w+ ){0,3}"
    r"(?:another|again|broke|broken|down|crash\w*|ate|lost|deleted))", re.I)
_FAILURE = re.compile(
    r"\b(?:broke|broken|breaks|warped|soggy|cold|late|delayed|cancel+ed|dead|crash\w*|fail\w*|down|offline|outage|maintenance|another|again|only \d+ "
    r"(?:hours?|minutes?|days?)|hours?|waiting|forced|deleted|lost|ate|missing|wrong|bug\w*|error\w*|slow\w*|"
    r"rate-?limit\w*|takes? forever|took forever|twice|(?:\d+(?:st|nd|rd|th)|second|third|fourth|fifth) "
    r"(?:time|\"?quick|update|outage|maintenance))\b", re.I)

# sarcasm that needs no failure word next to it
_SARCASM_SURE = re.compile(r"🙃|\bthanks,? i guess\b|\bnew personal best\b|\blove that for (?:me|us)\b|"
                           r"\bso glad (?:\S+ )?decided\b|\bthrilled that (?:\S+ )?decided\b|\breally thoughtful\b",
                           re.I)

# "Anniversary vinyl arrived and it's warped. Great." — a lone praise word closing a failure
_LONE_PRAISE = re.compile(r"(?:^|[.!?]\s+)(?:great|perfect|brilliant|fantastic|lovely|wonderful|awesome|love it|"
                          r"nice one|cool|super|amazing|just great|thanks a lot)[.!]*\s*$", re.I)

# ------------------------------------------------------------------------------------------- praise
_PRAISE_STRONG = re.compile(
    r"\b(thank(?:s| you)|kudos|shout[- ]?out|game[- ]?changer|life[- ]?saver|that'?s how you do|"
    r"keeps getting better|never looked back|(?:would|highly|definitely|10/10 would) recommend|"
    r"the best (?:\w+ )?(?:i'?ve|we'?ve) (?:ever )?(?:used|seen|dealt with|had)|most reliable|saved (?:me|us) "
    r"(?:so many|hours|days|a ton)|nice work|great (?:job|work|support|team|product)|well done|"
    r"exactly what (?:we|i|our \w+) (?:needed|wanted)|love your\b|(?:my|our) fav(?:ou?rite)? (?:feature|tool|app|update)|"
    r"best decision (?:we|i) (?:made|ever made)|you'?re the best|"
    r"(?:really )?appreciate (?:it|the|your|you))\b",
    re.IGNORECASE)
# compliments that need a product, feature or support team in the sentence (or the post addressed to us):
# "the new filters are so good" is praise, "the Q&A was great" and "I feel great" are not
_PRAISE_WEAK = re.compile(
    r"\b((?:is|are|was|were|looks?) (?:so |really |just |genuinely |absolutely )?(?:great|excellent|fantastic|"
    r"brilliant|amazing|awesome|superb|beautiful|gorgeous|slick|solid|good)|(?:so|really|super|insanely|incredibly) "
    r"(?:good|great|nice|useful|helpful|fast|smooth|easy)|amazing|awesome|brilliant|fantastic|impressed|gorgeous|"
    r"beautiful|slick|superb|excellent|delightful|recommend(?:ed)?|reliable|(?<!'d )(?<!would )love(?! to| a)|"
    r"fav(?:ou?rite)?|hero|so kind|actually (?:good|works|great|useful|uses)|cleanest|(?:lives?|swear) by it|"
    r"sick(?= ?🔥)|killing it)\b",
    re.IGNORECASE)
_PRODUCT = re.compile(
    r"\b(app|tool|product|support|team|feature|features|update|release|version|dashboards?|charts?|maps?|ui|ux|"
    r"onboarding|docs|api|integration|connector|service|platform|filters?|exports?|editor|reports?|view|"
    r"plan|pricing|customer service|drill-?down)\b|@\w+", re.I)
# thanks and compliments that are not about a product or company
_NOT_PRAISE = re.compile(
    r"\bno,? thanks?\b|\bthanks? for (?:the )?follows?\b|\bthank(s| you)( so much)?( to)? (all|everyone|every one|everybody|y'?all|you all|all of you|backers|"
    r"contributors|friends|folks|followers|the \d+|all \d+|every customer|everyone who)\b|"
    r"\bthank(s| you) for (everything|nothing|(all )?the (lovely|kind|sweet|birthday) (messages|wishes|words)|"
    r"coming|having me|listening|reading)\b|"
    r"\b(amazing|awesome|impressive|incredible) (how|that)\b|"
    r"\b(my|our) (amazing|awesome|brilliant|wonderful|fantastic) (mum|mom|dad|wife|husband|partner|team|"
    r"friends?|family|kids?|son|daughter|parents)\b",
    re.I)

# ---------------------------------------------------------------------------------- purchase intent
_PURCHASE = re.compile(
    r"\b((?:looking|searching|shopping) for (?:a|an|some)? ?(?:new |good |better |cheap(?:er)? |simple |lightweight )?"
    r"(?:[\w-]+ ){0,2}(?:tool|platform|solution|vendor|software|app|service)\b|"
    r"(?:need|want) (?:a|an) (?:new |good |better |cheap(?:er)? |simple )?(?:[\w-]+ ){0,2}(?:tool|platform|"
    r"solution|software|app)|recommend (?:a|an|any)\b|how much (?:does|is|for|would)|free trial|trial(?:l)?ing|"
    r"(?:get|book|schedule|request|set up|see|want|like) a demo|demo (?:for|of) (?:our|my)|"
    r"evaluating (?:\w+ ){0,2}(?:tools|platforms|vendors|options|solutions|software|providers)|shortlisting|"
    r"evaluating [\w-]+ (?:vs\.?|versus|against|or) [\w-]+|comparing [\w-]+ (?:vs\.?|versus|with|and|to) [\w-]+|"
    r"(?:evaluating|trialling|trialing|trying out|piloting) (?-i:[A-Z])[\w-]+|"
    r"leaning (?:towards? )?(?-i:[A-Z])|"
    r"want to buy|(?:going to|about to|ready to|plan to|planning to|looking to) (?:buy|purchase|sign up|"
    r"subscribe|upgrade)|(?:thinking of|thinking about|considering) (?:buying|purchasing|signing up|subscribing|"
    r"upgrading|getting)|gonna buy|"
    r"we'?re buying|budget (?:for|approved)|(?:get|request|send (?:me|us)) a quote|(?:do you|does it) (?:offer|have) "
    r"[\w ]{0,20}(?:pricing|discount|plan)|(?:what'?s|what is|any) (?:the )?(?:pricing|price|cost)|"
    r"(?:talk|speak) to (?:someone )?about (?:pricing|a quote|licen[cs]es|seats|an upgrade)|"
    r"referral code|discount code|promo code|licen[cs]es for|(?:is )?on (?:our|my|the) shortlist|"
    r"(?:'d|would) (?:love|like) to (?:trial|try|pilot|buy|test)|"
    r"(?:is there|any|start(?:ing|ed)?|signed up for|sign up for|going to|gonna) (?:a |the |an )?(?:free )?"
    r"(?:[\w-]+ )?(?:trial|pilot)\b|(?:going to|gonna|want to|will) (?:trial|try|pilot) |piloting |"
    r"(?:what does|how much does|what would) (?:the |your )?[\w ]{0,25}(?:plan|tier|licen[cs]e|seat) cost|"
    r"thinking (?:about|of) (?:getting|buying|ordering)|finally (?:ordering|buying|getting)|if (?:i|we) (?:buy|sign)\b|"
    r"(?:compared|comparing) [\w ]{1,30} (?:vs\.?|versus|against|with|and) |buying (?:the|a|this)\b|"
    r"(?:should i|do i) (?:get|buy) |(?:want|like) to add [\w ]{1,30} to (?:our|my) plan|"
    r"worth (?:it|the money|paying for)[^.!]*\?|(?:add|buy|looking to buy) (?:\d+|a few|more|five|ten|twenty) "
    r"(?:more )?(?:seats|licen[cs]es))",
    re.IGNORECASE)
# "Metabase vs Superset for a 12-person team?": checked only when the post says "vs" or "versus"
_VERSUS = re.compile(r"(?-i:[A-Z])[\w-]+(?: (?-i:[A-Z])\w+)? (?:vs\.?|versus) (?:[\w-]+ ){1,3}?"
                     r"(?:(?:vs\.?|versus|or) (?:[\w-]+ ){1,3}?)?for (?:a|an|our|my|the) ", re.I)
_NOT_PURCHASE = re.compile(r"\b(not in the market|not looking|don'?t need|happy where we are)\b", re.I)

# --------------------------------------------------------------------------------------- churn risk
_CHURN_STRONG = re.compile(
    r"\b(cancel+(?:ing|ed|ling)?(?: my| our| the)? (?:subscription|account|plan|contract|membership|seats?|"
    r"licen[cs]es?)|switch(?:ing|ed)? away from|not renewing|won'?t (?:be )?renew(?:ing)?|"
    r"(?:moving|migrating|switching|move|migrate) (?:\w+ ){0,3}(?:away )?(?:off|out of)\b|"
    r"(?:moving|migrating|switching|porting) (?:our|my|all|the) (?:[\w-]+ ){0,2}(?:from|off)\b|"
    r"(?:delete|close|deactivate|cancel) (?:my|our) (?:account|workspace|subscription|data)|"
    r"last day on (?:the|this) (?:platform|tool|product|service)|exported (?:all )?(?:our|my) [\w ]{0,30}out of|"
    r"try something else|look(?:ing)? (?:at|for|into) (?:other options|alternatives|something else|"
    r"other (?:tools|vendors|providers))|evaluating alternatives|(?:renewal|price) (?:price )?(?:jump|hike|increase)|"
    r"(?:contract|subscription|plan) (?:with \w+ )?(?:is up|ends|runs out)|(?:find|finding|look for) a replacement|"
    r"(?:if|when) we (?:don'?t|do not) renew|not going to be you|(?:shopping|looking) (?:around )?for alternatives|"
    r"(?:looking|searching|shopping) for an? (?:[\w-]+ ){0,2}?alternative\b|renewal (?:quote|price|bill) [^.!?]{0,30}"
    r"\b(?:higher|up|jump|more)\b|"
    r"(?:leaving|quitting|ditching|dropping) (?:@\w+|(?-i:[A-Z]\w+))|migrat(?:e|ing) away from|"
    r"(?:moving|switching|migrating) (?:the whole company |everything |all (?:our )?reporting )?to (?-i:[A-Z])|"
    r"(?:on the list of|among the) (?:tools|vendors|subscriptions) to (?:review|cut)|"
    r"(?:gonna|going to|about to|will) cancel (?!the (?:meeting|call|session|training|event))|"
    r"(?:evaluating|trialling|piloting|testing) (?-i:[A-Z]\w+) for (?:the whole|our) |"
    r"price (?:rise|rises|change|jump|hike)s?\b[^.!?]{0,40}\b(?:enough|looking|switch|alternatives|elsewhere)|"
    r"price (?:change|rise|hike|increase)[^.!?]{0,30}\b(?:looking at|switch|moving))\b",
    re.IGNORECASE)
_CANCEL = re.compile(r"\bcancel+(?:ing|ed|ling|s)?\b", re.I)
_CHURN_WEAK = re.compile(
    r"\b(switch(?:ing|ed)? (?:to|from)|moving (?:away )?from|migrat(?:e|ing) (?:off|away|from)|"
    r"leaving|done with|(?:looking|look) (?:at|for) alternatives)\b",
    re.IGNORECASE)
_NOT_CHURN = re.compile(r"\b(almost|nearly|glad we didn'?t|no plans to|not (switching|leaving|cancel\w*))\b", re.I)

# a sentence ends at . ! ? followed by a space or the end: a dot inside a word (a Bluesky handle
# "@fernhill.bsky.social", a link, "v2.1", "e.g") does not end one
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?]+(?=[^\s.!?]))+[.!?]*|[.!?]+", re.U)
_RETWEET = re.compile(r"\s*RT @\w+:")

def _word_start(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The same pattern, told that every match starts with a letter: Python's re then skips the other
    positions cheaply instead of trying a hundred alternatives at each (measured 2x faster on these)."""
    if pattern.pattern.startswith("\\b(") and not pattern.pattern.startswith("\\b(?<"):
        return re.compile("(?=[^\\W\\d_])" + pattern.pattern, pattern.flags)
    return pattern


for _name in ("_TROUBLE", "_PURCHASE", "_COMPLAINT_STRONG", "_CHURN_STRONG", "_PRAISE_WEAK", "_FAILURE", "_ASK",
              "_PRAISE_STRONG", "_RESOLVED", "_CHURN_WEAK", "_NOT_CHURN", "_NOT_PURCHASE", "_PRODUCT"):
    globals()[_name] = _word_start(globals()[_name])

# One pass over the post decides which of the patterns above may match (nlp/prefilter.py).
_PREFILTER = Prefilter(p for p in list(globals().values()) if isinstance(p, re.Pattern))


class _BitsByIdentity:
    """``_BIT[pattern]``: the pattern's prefilter bit, found by the pattern's identity. A compiled pattern's
    hash is not cached: CPython hashes its whole compiled program on every dict look-up, 2-5 µs for the
    big alternations here (``_PURCHASE``: 4.7 µs), and the checks look bits up a dozen times a post."""

    __slots__ = ("by_id",)

    def __init__(self, bits: dict[re.Pattern[str], int]):
        self.by_id = {id(p): bit for p, bit in bits.items()}  # the patterns are module globals: ids are stable

    def __getitem__(self, pattern: re.Pattern[str]) -> int:
        return self.by_id[id(pattern)]


_BIT = _BitsByIdentity(_PREFILTER.bit)
_BIT_BY_ID = _BIT.by_id


def _bits(*patterns: re.Pattern[str]) -> int:
    mask = 0
    for p in patterns:
        mask |= _BIT[p]
    return mask


_ASKING_BITS = _bits(_INTERROGATIVE, _QUESTION_MARK, _ASK)
_PRAISING_BITS = _bits(_PRAISE_STRONG, _PRAISE_WEAK)
_LEAVING_BITS = _bits(_CHURN_STRONG, _CHURN_WEAK, _CANCEL)
_FAILING_BITS = _bits(_FAILURE, _TROUBLE)
_COMPLAINING_BITS = _bits(_SARCASM_OPEN, _SARCASM_SURE, _LONE_PRAISE, _COMPLAINT_STRONG, _TROUBLE)

# Without one of these in the post, a post not addressed to us has no intent at all.
_CUES = _bits(_INTERROGATIVE, _QUESTION_MARK, _ASK, _COMPLAINT_STRONG, _TARGET, _TROUBLE, _SARCASM_OPEN, _PRAISE_STRONG,
              _PRAISE_WEAK, _PURCHASE, _CHURN_STRONG, _CHURN_WEAK)


def _sentence_at(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]`` (stripped), as offsets."""
    s = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
    ends = [i for i in (text.find(c, end) for c in ".!?\n") if i >= 0]
    e = min(ends) + 1 if ends else len(text)
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return (s, e) if e > s else (start, end)


def _intent(name: str, text: str, start: int, end: int, confidence: float, whole_sentence: bool = True) -> Intent:
    if whole_sentence:
        start, end = _sentence_at(text, start, end)
    evidence = text[start:end].strip()
    if len(evidence) > EVIDENCE_MAX:
        evidence = evidence[:EVIDENCE_MAX - 1].rstrip() + "…"
    return Intent(name, evidence, start, end, round(confidence, 2))


def _search(pattern: re.Pattern[str], text: str, may: int, pos: int = 0) -> re.Match[str] | None:
    return pattern.search(text, pos) if may & _BIT_BY_ID[id(pattern)] else None


# --------------------------------------------------------------------------------------------- checks

def _question(text: str, addressed_to_us: bool, may: int) -> Intent | None:
    """The first answerable question in the post."""
    if not addressed_to_us and not may & _ASKING_BITS:
        return None
    for m in _SENTENCE.finditer(text):
        sentence = m.group()
        if not sentence.strip():
            continue
        s_may = _PREFILTER.scan(sentence)
        if _search(_RHETORICAL, sentence, s_may) or _search(_QUOTED_QUESTION, sentence, s_may):
            continue
        if not addressed_to_us and _search(_SOCIAL, sentence, s_may) and not _search(_ASK, sentence, s_may):
            continue
        ask = _search(_ASK, sentence, s_may)
        asked = "?" in sentence
        if ask and (asked or addressed_to_us or _OPENING.match(sentence, 0, ask.start() + 1)):
            return _intent("question", text, m.start(), m.end(), 0.9)
        if asked and _search(_INTERROGATIVE, sentence, s_may):
            if addressed_to_us or _search(_TARGET, sentence, s_may) or _search(_COMPLAINT_STRONG, sentence, s_may):
                return _intent("question", text, m.start(), m.end(), 0.75 if addressed_to_us else 0.65)
        elif addressed_to_us and (asked or _OPENING_WH.match(sentence)) and len(sentence.split()) >= 3:
            return _intent("question", text, m.start(), m.end(), 0.55 if asked else 0.6)
    return None


# an ask that opens its sentence needs no question mark: "what's the best way to join two sources"
_OPENING = re.compile(r"\s*(?:@\w+\s+|(?:hey|hi|hello|so|ok|okay|also|and|but|quick q(?:uestion)?:?),?\s+)*\S")
_OPENING_WH = re.compile(r"\s*(?:@\w+\s+|(?:hey|hi|hello|so|ok|okay|also|and|but),?\s+)*"
                         r"(?:how|what|which|where|when|who|can|could|does|do|is there|are there)\s+"
                         r"(?!a\b|an\b|the hell\b)\w+\s+\w+", re.I)


def is_sarcastic(text: str) -> bool:
    """Praise words wrapped around a failure: "love how the export takes 4 hours", "great job, broken again"."""
    may = _PREFILTER.scan(text)
    return _sarcasm(text, may) is not None


def _sarcasm(text: str, may: int) -> re.Match[str] | None:
    marker = _SARCASM_SURE.search(text) if may & _BIT[_SARCASM_SURE] else None
    if marker is not None and (_HANDLE.search(text) or _TARGET.search(text) or _BRAND.search(text)):
        return marker
    tail = _LONE_PRAISE.search(text) if may & _BIT[_LONE_PRAISE] else None
    if tail is not None and _FAILURE.search(text, 0, tail.start()):
        return tail
    if not may & _BIT[_SARCASM_OPEN] or not may & _FAILING_BITS:
        return None
    for m in _SARCASM_OPEN.finditer(text):
        s, e = _sentence_at(text, m.start(), m.end())
        window = text[max(0, s - 80): min(len(text), e + 120)]
        if _FAILURE.search(window):
            return m
    return None


def _best_sentence(text: str) -> tuple[int, int]:
    """The sentence a complaint the model found is most likely in: the first that names a product, a
    service or a handle (the whole post if it is one sentence)."""
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if len(m.group().split()) >= 3]
    if len(spans) <= 1:
        return _sentence_at(text, 0, len(text)) if not spans else spans[0]
    for a, b in spans:
        if _HANDLE.search(text, a, b) or _TARGET.search(text, a, b):
            return a, b
    return spans[0]


def _complaint(text: str, addressed_to_us: bool, label: str | None, may: int, complaint_p: float | None,
               probability, asking: bool, praised: bool) -> Intent | None:
    to_a_brand = addressed_to_us or ("@" in text and bool(_HANDLE.search(text)))
    if not to_a_brand and not may & _COMPLAINING_BITS:
        return None  # no handle, no trouble word, no sarcasm: the bulk of posts stop here
    sarcasm = _sarcasm(text, may)
    if sarcasm is not None:
        return _intent("complaint", text, sarcasm.start(), sarcasm.end(), 0.8)
    # a post aimed at no company complains in a negative voice, or in so many words ("still no reply")
    plain_words_only = not to_a_brand and not is_negative(label)
    if plain_words_only and not may & _BIT[_COMPLAINT_STRONG]:
        return None
    if not to_a_brand and not (may & _BIT[_TARGET] and _TARGET.search(text)) and not _BRAND.search(text):
        return None
    if may & _BIT[_SELF_BLAME] and _SELF_BLAME.search(text):
        return None
    strong = _search(_COMPLAINT_STRONG, text, may)
    if strong is not None and not _resolved_before(text, strong.start()):
        return _intent("complaint", text, strong.start(), strong.end(), 0.85)
    if plain_words_only or (may & _BIT[_RESOLVED] and _RESOLVED.search(text)):
        return None
    trouble = _trouble(text, may, to_a_brand)
    if trouble is not None:  # the model confirms what the trouble word says: "'a blank chart is a failure' is a rule"
        p = _p(complaint_p, probability, text)
        if p < (_TROUBLE_CONFIRM if to_a_brand else _UNADDRESSED_TROUBLE_CONFIRM):
            trouble = None
    if trouble is not None and is_negative(label) and not praised:
        return _intent("complaint", text, trouble.start(), trouble.end(), 0.75)
    if trouble is not None and to_a_brand and not is_positive(label) and not praised:
        return _intent("complaint", text, trouble.start(), trouble.end(), 0.7)
    if praised or not (to_a_brand or trouble is not None):
        return None  # the model alone does not make a complaint of praise, or of a post aimed at no company
    p = _p(complaint_p, probability, text)
    if trouble is None and not to_a_brand:
        threshold = _UNADDRESSED_AT
    else:
        threshold = _ADDRESSED_AT if to_a_brand else _UNADDRESSED_AT
    if trouble is not None:
        threshold -= _TROUBLE_BONUS  # a trouble word and a model half-sure: a complaint
    if is_positive(label):
        threshold += _POSITIVE_MARGIN
    if asking and trouble is None:  # a plain question to a brand reads like a complaint to the model
        threshold += _ASKING_MARGIN
    if p < threshold:
        return None
    if trouble is not None:
        return _intent("complaint", text, trouble.start(), trouble.end(), min(0.5 + p / 2, 0.95))
    start, end = _best_sentence(text)
    return _intent("complaint", text, start, end, min(0.5 + p / 2, 0.95), whole_sentence=False)


def _p(complaint_p, probability, text: str) -> float:
    """P(complaint): given, computed on demand by the caller's function, or by the model on the text."""
    if callable(complaint_p):
        value = complaint_p()
        if value is not None:
            return value
    elif complaint_p is not None:
        return complaint_p
    return probability(text)


def _trouble(text: str, may: int, to_a_brand: bool) -> re.Match[str] | None:
    """A trouble word that reports a problem: not inside a rhetorical question, not only inside a question
    ("do exports retry on timeouts?" asks; "exports fail since monday, is this known?" reports), and for a
    post aimed at no company, in the same sentence as what it is about."""
    if not may & _BIT[_TROUBLE]:
        return None
    for n, m in enumerate(_TROUBLE.finditer(text)):
        if n == 4:
            break  # a post with many trouble words has shown its hand in the first few
        s, e = _sentence_at(text, m.start(), m.end())
        sentence = text[s:e]
        if _RHETORICAL.search(sentence):
            continue
        if sentence.rstrip().endswith("?") and _INTERROGATIVE.search(sentence):
            continue
        if not to_a_brand and (m.group().lower() in _WEAK_TROUBLE
                               or not (_TARGET.search(sentence) or _BRAND.search(sentence))):
            continue
        return m
    return None


_HANDLE = re.compile(r"(?<![\w@])@\w+")

# how sure the complaint model must be: a post to us says who it is about; a post about no one of ours
# must say more (its target is only a product word or a mention)
_ADDRESSED_AT = 0.6
_UNADDRESSED_AT = 0.8
_TROUBLE_CONFIRM = 0.3
_UNADDRESSED_TROUBLE_CONFIRM = 0.5
# trouble words that say little without a brand to say it to ("rain again", "lost the final")
_WEAK_TROUBLE = frozenset("again twice late lost issue issues problem problems wrong missing dead hate sucks suck "
                          "nightmare sick of fed up stuck lag slow slower charged billed invoiced delayed".split())
# a brand named without a handle: a capitalised name that is not an ordinary word opening the sentence
_BRAND = re.compile(r"(?:^|(?<=[\s(\"“]))(?!(?:I|I'm|I've|I'd|The|This|That|It|My|Our|We|So|And|But|Just|Why|How|What|"
                    r"When|Who|Is|Are|Do|Does|Can|If|Oh|Ok|Okay|Yes|No|Not|Love|Thanks|Great|Today|Monday|Tuesday|"
                    r"Wednesday|Thursday|Friday|Saturday|Sunday|Anyone|Finally|Still|After|Before|Also|Even|Every|"
                    r"Another|Hey|Hi|Wow|Lol|Ugh|Well|Now|Then|There|Here|Had|Has|Have|Was|Were|Will|New)\b)"
                    r"(?-i:[A-Z][a-z]*[A-Z0-9][\w]*|[A-Z][a-z]{2,}(?:'s|’s)?(?= (?-i:[A-Z0-9])|'s|’s| (?:is|has|"
                    r"keeps?|still|crashe?s|won'?t|can'?t|flagged|raised|sent|charged|cancel+ed|lost|broke)\b))")
_TROUBLE_BONUS = 0.15
_POSITIVE_MARGIN = 0.1
_ASKING_MARGIN = 0.1


def _resolved_before(text: str, start: int) -> bool:
    return bool(_RESOLVED.search(text[max(0, start - 40): start]))


def _praise(text: str, addressed_to_us: bool, label: str | None, may: int) -> Intent | None:
    if not may & _PRAISING_BITS and not addressed_to_us:
        return None
    praise_text = _NOT_PRAISE.sub(lambda m: " " * len(m.group()), text) if may & _BIT[_NOT_PRAISE] else text
    strong = _PRAISE_STRONG.search(praise_text) if may & _BIT[_PRAISE_STRONG] else None
    if strong is not None:
        return _intent("praise", text, strong.start(), strong.end(), 0.85)
    if not may & _BIT[_PRAISE_WEAK] and not addressed_to_us:
        return None
    for m in _PRAISE_WEAK.finditer(praise_text):
        s, e = _sentence_at(praise_text, m.start(), m.end())
        if _PRODUCT.search(praise_text, s, e) or (
                s > 0 and e - s < 25 and _PRODUCT.search(praise_text, _sentence_at(praise_text, s - 2, s - 1)[0], s)):
            return _intent("praise", text, m.start(), m.end(), 0.7)  # "…sorted our SSO issue. Impressed."
        if addressed_to_us and not is_negative(label):
            return _intent("praise", text, m.start(), m.end(), 0.6)
    if addressed_to_us:
        m = _CONGRATS.search(praise_text)
        if m is not None:
            return _intent("praise", text, m.start(), m.end(), 0.6)
    return None


# congratulations are praise of us only when they are addressed to us (to a person they are not)
_CONGRATS = re.compile(r"\b(?:congrat\w*|well deserved|hats off|bravo)\b", re.I)


def _purchase(text: str, may: int) -> Intent | None:
    m = _search(_PURCHASE, text, may)
    if m is None and (" vs" in text or "versus" in text or " VS" in text):
        m = _VERSUS.search(text)
    if m is None or _search(_NOT_PURCHASE, text, may):
        return None
    return _intent("purchase_intent", text, m.start(), m.end(), 0.8)


def _churn(text: str, addressed_to_us: bool, complaint: bool, may: int) -> Intent | None:
    if not may & _LEAVING_BITS or _search(_NOT_CHURN, text, may):
        return None
    m = _search(_CHURN_STRONG, text, may)
    if m is None and (addressed_to_us or complaint):
        m = _search(_CHURN_WEAK, text, may)
        if m is not None and m.group().lower() == "leaving":
            m = None  # "leaving on parental leave", "leaving early": only "leaving <a brand>" (above) counts
    if m is None:
        return None
    return _intent("churn_risk", text, m.start(), m.end(), 0.8)


# ------------------------------------------------------------------------------------------- the API

def read_intents(text: str, sentiment_label: str | None = None, addressed_to_us: bool = False,
                 complaint_p: float | None = None, complaint_model=None) -> list[Intent]:
    """Every intent in the post with its evidence, in the order of :data:`INTENTS`.

    ``sentiment_label``: the sentiment model's label (negative / neutral / positive) or None.
    ``complaint_p``: P(complaint) if already known, or a function returning it (the pipeline passes one that
    scores the analysis the sentiment model already made, so the post is not analysed twice); otherwise the
    complaint model (``complaint_model``, default the bundled one) is run when it is needed.
    """
    if not text or not text.strip() or (text.lstrip().startswith("RT @") and _RETWEET.match(text)):
        return []  # a retweet's words are someone else's
    may = _PREFILTER.scan(text)
    if not addressed_to_us and not may & _CUES:
        return []
    probability = complaint_model.proba if complaint_model is not None else _complaint_probability
    found: list[Intent] = []
    question = _question(text, addressed_to_us, may)
    praised = _praise(text, addressed_to_us, sentiment_label, may)
    complaint = _complaint(text, addressed_to_us, sentiment_label, may, complaint_p, probability, question is not None,
                           praised is not None and praised.confidence >= 0.85)
    if question and not (complaint and question.confidence < 0.6):  # "3x for the same features?" in a complaint
        found.append(question)
    if complaint:
        found.append(complaint)
    if complaint is None and praised is not None:
        found.append(praised)
    churn = _churn(text, addressed_to_us, complaint is not None, may)
    purchase = _purchase(text, may)
    if purchase and not (churn and churn.start <= purchase.start < churn.end):
        found.append(purchase)
    if churn:
        found.append(churn)
    found.sort(key=lambda i: INTENTS.index(i.name))
    return readers.combine_intents(text, addressed_to_us, found, sentiment_label)  # what the trained reader adds or vetoes


def detect_intents(text: str, sentiment_label: str | None = None, addressed_to_us: bool = False) -> list[str]:
    """The names of :func:`read_intents`, in a stable order."""
    return [i.name for i in read_intents(text, sentiment_label, addressed_to_us)]


def evidence_of(intents: list[Intent]) -> dict[str, str]:
    """``{intent name: evidence}``: what is stored with the tags and quoted downstream."""
    return {i.name: i.evidence for i in intents}


def _complaint_probability(text: str) -> float:
    from nlp.complaints import complaint_probability

    return complaint_probability(text)
