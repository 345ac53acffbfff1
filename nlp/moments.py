"""Meaningful moments in a person's life or business, found in their own words.

Each moment has a type, a confidence and the evidence span. Two traps matter most:
negation ("not moving after all", "didn't get the job") and other people's news
("my friend got promoted", "congrats to Ana on the new role"). Pure functions.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from nlp import readers
from nlp.prefilter import Prefilter

MOMENT_TYPES = (
    "new_job", "launch", "funding", "acquisition", "moving", "wedding", "baby", "birthday",
    "anniversary", "illness", "bereavement", "award", "speaking",
)

_I = r"(?:i|i'm|i am|i've|i have|we|we're|we are|we've|we have|our team|just)"
_NUM = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty)"
_PLACE = (r"(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|June|July|"
          r"August|September|October|November|December)\b)(?-i:[A-Z])[\w'-]+")  # a capitalised name: "Lisbon", "NYC", "Austin"
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
        re.compile(r"\b(?:got|landed|accepted|signed) (?:the|a|my|an) (?:new )?(?:job|role|offer|position)\b(?! (?:interview|fair|search|hunt|"
                   r"application|ad|listing|posting|title))", re.I),
        re.compile(r"\b(?:i'?m|i am|i'?ll be|i will be) (?:now |officially )?(?:joining(?! @| the (?:call|meeting|"
                   r"party|parade|stream|fun|club))|starting at|starting as)\b", re.I),
        re.compile(r"(?:^|[.!?:]\s+|\n)(?:officially |finally )?(?:joining|joined|starting at|started at) ", re.I),
        re.compile(rf"\b(?:i )?start(?:ing|ed)? at (?:(?:the )?{_PLACE})", re.I),
        re.compile(r"\b(?:got|getting) the promotion\b|\bnew gig\b|\b(?:i'?ve|i have) taken (?:a|an|the) (?:[\w-]+ )?"
                   r"(?:role|job|position)\b|\b(?:took|taking|i'?m taking|i take) over as\b|"
                   r"\b(?:stepped|stepping|step) (?:up )?into (?:the|a|my) (?:[\w-]+ ){0,3}(?:role|position|job|seat)\b|"
                   r"\b(?:then |and )?i start (?:in|at|as|with|on|my)\b|\b(?:i'?m|i am|so i'?m) (?:now )?(?:officially )?"
                   r"(?:the|a) new (?:[\w-]+ ){0,3}(?:lead|head|director|manager|cto|ceo|coo|cfo|vp|chair|editor|"
                   r"partner|principal|engineer|designer|analyst|md|managing director|president|treasurer|secretary)\b|"
                   r"\b(?:officially|now) the new (?:[\w-]+ ){0,3}(?:head|lead|director|manager|chair)\b|"
                   r"\b(?:i'?m|i am) now (?:leading|heading|running)\b|\baccepted the (?:[\w-]+ ){0,4}"
                   r"(?:position|role|job|offer)\b|\bgoing freelance\b|\b(?:i'?ve|i have|i) gone freelance\b", re.I),
        re.compile(rf"\b(?:i'?m|i am) (?:now|officially) (?:a |an |the )?(?:\w+ ){{0,3}}?{_ROLE}\b|"
                   rf"\bas of (?:today|monday|this week),? (?:i'?m|i am) (?:now )?(?:a |an |the )(?:\w+ ){{0,3}}?{_ROLE}\b",
                   re.I),
    ],
    "launch": [
        re.compile(rf"\b{_I} (?:just |finally |officially )?(?:launched|shipped|released|went live|are live|"
                   r"launch(?:ed|ing) today|opened (?:our|my|the) (?:doors|shop|store|studio|office|bakery|cafe|café|"
                   r"restaurant|clinic|practice|salon|gallery|gym))\b(?! (?:it )?off)", re.I),
        re.compile(r"\b(?:it'?s )?launch day\b|\bwe'?re live (?:on|in (?:the )?(?:app|play) store)\b|"
                   r"\b(?:our|my) (?:[\w'-]+ ){0,3}?is (?:now |finally |officially )?live\b|"
                   r"\bintroducing \w+|\bnow available\b|\blive on product hunt\b|\bgenerally available\b|"
                   r"\b(?:our|my) (?:new )?(?:[\w'-]+ ){0,3}?(?:app|site|website|page|product|feature|shop|store|course|"
                   r"podcast|newsletter|book|game|album|tool|platform|version|release|update|beta|redesign|service|api|"
                   r"plugin|extension|campaign|blog|studio|clinic|bakery|cafe|café|restaurant|portal|dashboard|"
                   r"integration) (?:went|goes|is going) live\b|\bopened (?:the|our) doors\b", re.I),
        re.compile(r"\b(?:today |finally )?(?:we'?re|we are|i'?m|i am) (?:officially |finally )?"
                   r"(?:launching|releasing|shipping|opening)\b", re.I),
        re.compile(r"(?:^|[.!?:]\s+|\n)(?:just |finally )?(?:soft[- ]?)?launched\b|\bsoft[- ]?launched\b", re.I),
        re.compile(r"\b(?:our|my) (?:[\w'-]+ ){0,4}?(?:is|are) (?:finally |officially )?out (?:now|today|on|"
                   r"in (?:beta|the wild))\b|\b(?:our|my) (?:[\w'-]+ ){0,4}?(?:is|are) (?:finally |officially )?out\s*"
                   r"(?:!|🎉|🚀)", re.I),
        re.compile(r"\bship(?:ped|ping) (?:v\d|version \d|\d+\.\d)", re.I),
        re.compile(r"\bhit (?:v?1\.0|general availability)\b", re.I),
        re.compile(r"\b(?:our|my) (?:new )?(?:[\w'-]+ ){0,3}?(?:app|site|website|page|product|feature|shop|store|course|"
                   r"podcast|newsletter|book|game|album|tool|platform|version|release|update|beta|redesign|service|api|"
                   r"plugin|extension|campaign|blog|portal|dashboard|integration) (?:went|goes) (?:out|live)\b|"
                   r"\brelease day\b|\bit'?s live\b|"
                   r"\b(?:our|my) (?:new )?[\w' -]{1,30}? opens (?:today|tomorrow|on|this|saturday|sunday|monday|"
                   r"tuesday|wednesday|thursday|friday|at)\b|\bshipping (?:the |our |it |v\d)[\w' -]{0,30}? to "
                   r"(?:\d+%|all|everyone|every)\b|\b(?:version|v)\s?\d+[\w. ]{0,40}? is (?:out|live)\b|"
                   r"\b(?:shipped|launched|released) (?:our|my|the new|v\d|version)\b(?! (?:\w+ )?off\b)", re.I),
    ],
    "funding": [
        re.compile(r"\b(?:raised|closed|closing|secured|announcing|announce) (?:a|our|an)? ?(?:(?:\$|€|£)[\d.,]+ ?"
                   r"(?:[mkb]\b|mn\b|million|billion)|seed|pre-seed|series [a-e]|funding|bridge)(?: round)?", re.I),
        re.compile(r"\bseries [a-e] (?:round|funding)\b|\b(?:series [a-e]|seed(?: round)?|pre-seed|our round) "
                   r"(?:is )?(?:closed|done|landed|complete)\b|\b(?:we'?ve|we have|we) (?:been|got|were) backed by\b|"
                   r"\bseed money (?:landed|is in)\b|\bmoney'?s in the bank\b", re.I),
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
        re.compile(r"\b(?:is|are) (?:buying|acquiring) us\b|\b(?:acquired|bought) us\b|\bwe'?ve (?:bought|acquired)\b|"
                   r"\b(?:our|my) (?:\w+ )?(?:company|startup|agency|business|firm|studio|team) (?:has )?merged with\b|"
                   r"\bwe'?(?:ve|re) merg(?:ed|ing) with\b", re.I),
    ],
    "moving": [
        # a place follows (capitalised): "moving to Lisbon", not "moving to a warehouse"
        re.compile(rf"\b(?:moving|relocating|moved|relocated)(?: house| home)? (?:from {_PLACE} )?(?:back )?"
                   rf"(?:home )?to (?:the )?{_PLACE}", re.I),
        re.compile(r"\b(?:relocating|moving (?:house|home|abroad|countries|cities|in))\b(?: (?:in|this|next|on) \w+)?",
                   re.I),
        re.compile(r"\b(?:packing (?:boxes|up the)|(?:our|my) new (?:city|apartment|flat|house|home)\b(?! (?:plants?|decor|wifi|office))|moving day|"
                   r"moved (?:in|into) (?:our|my|a|the)|signed (?:the|a) lease)\b", re.I),
        re.compile(r"\b(?:bought|buying|closed on|got the keys to) (?:a|our|my|the) (?:first |new )?"
                   r"(?:house|home|flat|apartment|place)\b(?![ -]?(?:plants?|party|music|wine|rules))", re.I),
        re.compile(r"\blast (?:night|day|week) in (?:our|my|the) (?:old )?(?:apartment|flat|house|place|home)\b",
                   re.I),
        # the team itself moves, not something it moves: "our team moved the nightly pipeline to DuckDB" is work
        re.compile(r"\b(?:office|hq|headquarters|studio|team) (?:is )?(?:moving|relocating|moved|relocated)\b"
                   r"(?!\s+(?:the|our|its|their|a|an|all|every\w*|this|that|these|those|my|your|\w+s)\b)", re.I),
        re.compile(rf"\bleaving {_PLACE}(?: {_PLACE})?\b[^.!?\n]{{0,40}}\bfor\b", re.I),
        re.compile(rf"\b(?:heading|going|moving) back (?:home )?to {_PLACE}|\bpacked the last box\b|"
                   r"\b(?:we'?re|i'?m|we are|i am) moving (?:next|this|in|on) (?:week|month|year|spring|summer|autumn|fall|"
                   r"winter|january|february|march|april|may|june|july|august|september|october|november|december|"
                   r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I),
    ],
    "wedding": [
        re.compile(r"\b(?:i|we) (?:just )?(?:got |are getting |'re getting )?married\b|\bour wedding\b|"
                   r"\btied the knot\b|\b(?:we|i)(?:'re| are| got| just got)? engaged\b|\b(?:got|just got) engaged\b|"
                   r"\bgetting married\b|\bmarried (?:on|last|this|yesterday|today)\b|\bi married\b|\beloped\b|"
                   r"\bmarried life\b|\bhoneymoon\b|\bmr\.? (?:&|and) mrs\b|#(?:justmarried|weddingday)\b",
                   re.I),
        re.compile(r"(?:^|[.!?]\s+)(?:we'?re |just |finally )?(?:engaged|married)\s*(?:[!💍🥂❤️💐]|$)|"
                   r"\bi said yes\b|\b(?:she|he) said yes\b|\bpopped the question\b|\b(?:he|she) proposed\b|"
                   r"\bwe said [\"“]?i do\b|\b\d+ years married\b", re.I),
    ],
    "baby": [
        re.compile(r"\bwelcomed? (?:our|a) (?:baby|son|daughter|little|twins)\b|\bbaby (?:boy|girl) (?:arrived|is here)\b|"
                   r"\b(?:i'?m|we'?re) (?:a )?new (?:dad|mom|mum|parents?)\b|\b(?:on|taking|starting|start|begin|beginning|off on) (?:my |our )?(?:parental|paternity|maternity) leave\b",
                   re.I),
        re.compile(r"\bwe'?re expecting\b|\b(?:i'?m|we'?re|i am|we are) (?:going to be|gonna be) (?:a )?"
                   r"(?:dad|mom|mum|parents?|father|mother)\b|\bwelcome to the world\b(?!'s)", re.I),
        re.compile(r"\b(?:our|my) (?:baby|son|daughter|twins|little one|baby girl|baby boy)(?: (?-i:[A-Z])\w+)? "
                   r"(?:was |were |is |are )?(?:born|arrived|is here)\b|\b(?:twins|baby) (?:were|was) born\b", re.I),
        re.compile(r"\bhome with (?:our|my) (?:new )?(?:son|daughter|baby|newborn|twins)\b", re.I),
        re.compile(r"\b(?:we'?re|i'?m|we are|i am) pregnant\b|\bmeet (?-i:[A-Z])\w+,? (?:born|our|my)\b|"
                   r"\bborn (?:on |at )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|"
                   r"last night|this morning|at \d)\b[^.!?]{0,40}\b(?:kg|lb|lbs|oz|everyone|mum|mom|both)\b", re.I),
    ],
    "birthday": [
        re.compile(r"\b(?:it'?s|it is|today'?s|today is|tomorrow'?s|tomorrow is) my (?:\d+(?:st|nd|rd|th) )?"
                   r"(?:birthday|b-?day)\b|\bmy (?:\d+(?:st|nd|rd|th) )?(?:birthday|b-?day) (?:is )?(?:today|tomorrow)\b|"
                   r"\banother trip around the sun\b|\bi turn(?:ed)? \d\d\b|\bhappy birthday to me\b|"
                   r"\banother year older\b|\bbirthday (?:wishes|messages)\b|\bspending my birthday\b|"
                   r"\bon my birthday,? i\b", re.I),
        re.compile(r"\bturn(?:ed|ing)? \d\d\b(?!\s*%)|(?:^|[.!?]\s+)\d\d today\b", re.I),
        re.compile(r"(?:^|[.!?]\s+)(?:i'?m |i am )?(?:\d\d|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
                   r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?)(?: years old)? today\b|"
                   r"\bbirthday love\b|\b\d\d is off to\b", re.I),
    ],
    "anniversary": [
        re.compile(rf"\b{_NUM} years? (?:at (?-i:[A-Z@])|with (?-i:[A-Z@])|(?:at|with) the (?:company|team|firm)\b|"
                   r"since (?:i|we) (?:joined|started|founded|launched|began|opened|quit))|\bwork anniversary\b|"
                   r"\b(?:our|my) (?:\d+(?:st|nd|rd|th)|first|second|third|fifth|tenth) (?:work |wedding )?anniversary\b", re.I),
        re.compile(rf"\b(?:our|my|we|i)\b[^.!?\n]{{0,30}}\b{_NUM} years? today\b|\bturns {_NUM} today\b|"
                   rf"\b{_NUM} years? of (?:marriage|being married|business|building)\b|"
                   rf"\b{_NUM} years? as (?:a|an) (?:\w+ ){{1,2}}(?:customer|user|member)\b", re.I),
        re.compile(rf"\b(?:our|my) (?:\w+ )?(?:startup|company|business|shop|agency|studio|firm|bakery|café|cafe|"
                   rf"restaurant|podcast|newsletter) (?:is|turns) {_NUM} (?:years? )?(?:old )?today\b|"
                   rf"\b{_NUM} years in business\b|\b{_NUM} years married\b", re.I),
    ],
    "illness": [
        re.compile(r"\b(?:(?:in|at) (?:the )?hospital|(?:had|after|from|having|post[- ]op|home after) (?:my |a |an )?"
                   r"(?:\w+ )?surgery|diagnosed with|recovering from|on (?:sick|medical) leave|been (?:ill|sick)|"
                   r"health scare|chemo)\b", re.I),
        re.compile(r"\b(?:sick leave|signed off (?:work|sick)|off work with|burn-?out)\b", re.I),
        re.compile(r"\b(?:out sick|called in sick|home sick|off sick)\b|\bfever of\b|"
                   r"\b(?:off|leave|break) for (?:my )?mental health\b", re.I),
        re.compile(r"\b(?:down with|with|got|caught|have|had|of|from|fighting|battling) (?:a |the |bad |nasty )?"
                   r"(?:bout of |case of )?(?:covid|pneumonia|flu|bronchitis|tonsillitis|appendicitis|concussion|"
                   r"migraine|cancer|shingles|strep|sepsis|a stroke|stroke|heart attack)\b", re.I),
        re.compile(r"\b(?:broke|fractured|sprained|tore|dislocated) my (?:\w+ )?(?:wrist|arm|leg|ankle|foot|hand|"
                   r"collarbone|hip|back|acl|knee|finger|rib|shoulder)s?\b", re.I),
    ],
    "bereavement": [
        re.compile(rf"\b(?:my|our) (?:beloved |dear |sweet |old |wonderful )?{_KIN}\b[^.!?\n]{{0,60}}\b(?:passed away|"
                   rf"rest in peace|funeral|in loving memory|gone (?:far )?too soon)\b|\b(?:passed away|rest in peace|"
                   rf"funeral|in loving memory|gone (?:far )?too soon)\b[^.!?\n]{{0,40}}\b(?:my|our) {_KIN}\b", re.I),
        re.compile(rf"\b(?:lost|loss of|said goodbye to|rip to|rip) (?:my|our) (?:\w+ )?{_KIN}s?\b", re.I),
        re.compile(rf"\b(?:my|our) (?:beloved |dear |sweet |old )?{_KIN}(?: (?-i:[A-Z])\w+)? (?:has )?"
                   r"(?:died|passed)\b", re.I),
        # a colleague is a loss too: "our team lead Raj died suddenly", "my old manager passed away"
        re.compile(rf"\b(?:my|our) (?:\w+ ){{0,2}}(?:{_ROLE}|colleague|co-?worker|teammate|boss|mentor)"
                   r"(?: (?-i:[A-Z])\w+)? (?:has |had )?(?:suddenly )?(?:died|passed away)\b", re.I),
        re.compile(rf"\bsaid (?:goodbye|farewell) to {_PLACE} (?:today|this|yesterday|last)\b", re.I),
        re.compile(r"\b(?:i'?m|we'?re|still|we are|i am) grieving\b|\bgrieving (?:my|our|the loss)\b|"
                   r"\bmiss you\b[^.!?\n]{0,20}\b(?:dad|mum|mom|mama|papa|grandma|grandpa|nan|gran)\b", re.I),
    ],
    "award": [
        re.compile(r"\b(?:won|awarded|received|got|shortlisted for|finalists? (?:for|in)|"
                   r"honou?red to receive) (?:the |an? |our )?[\w' -]{0,40}?\b(?:awards?|prize)\b", re.I),
        re.compile(r"\b(?:shortlisted|nominated|finalists?) (?:for|in) (?:the |an? )?(?-i:[A-Z])", re.I),
        re.compile(r"\b(?:we|i|our (?:\w+ ){0,2}|my (?:\w+ ){0,2})(?:just |have |'ve )?(?:won|took home|scooped|"
                   r"bagged|were named|was named) (?:the )?(?:gold|silver|bronze|first place|1st place|top prize|"
                   r"grand prize|[\w' ]{0,30}? of the year)\b", re.I),
        re.compile(r"\bnamed (?:one of |to |in )?(?:the |this year'?s )?(?:forbes )?(?:30 under 30|40 under 40|\w+ 100|"
                   r"top \d+)\b|\b(?:30|40) under (?:30|40)\b|\b(?:we|i) won (?:best|the|a|an|first|gold)\b|"
                   r"\b(?:accept|accepted|accepting) the [\w' -]{0,40}?award\b|\bpaper won\b|\bwon best\b", re.I),
    ],
    "speaking": [
        re.compile(r"\b(?:i'?ll be|i am|i'?m|we'?re|we are|we'?ll be) (?:speaking|presenting|giving a talk|keynoting|"
                   r"on a panel)\b|\b(?:my|our) (?:talk|keynote|session|panel|workshop) (?:at|on|tomorrow)\b|"
                   r"\bcome (?:hear|see) (?:me|us) speak\b|\b(?:catch|see|join) (?:me|us) on the [\w\"“”' -]{0,40}"
                   r"(?:panel|stage)\b", re.I),
        re.compile(r"\b(?:giving|gave|give|hosting|running|teaching|leading) (?:a|my|the|our) (?:[\w-]+ ){0,3}?"
                   r"(?:talk|keynote|workshop|presentation|webinar|masterclass|tutorial)\b", re.I),
        re.compile(r"\b(?:recorded|was on|joined|guest on|i'?m on|we'?re on) (?:a |the )?(?:[\w@-]+ ){0,2}?podcast\b|"
                   r"\b(?:got off|off) stage\b", re.I),
        re.compile(r"\b(?:on a panel|my (?:first )?keynote|our keynote|my talk (?:got|was) accepted|"
                   r"(?:i'?m|i am|we'?re) (?:giving|doing|hosting) (?:a|the|my|our) (?:[\w-]+ ){0,2}(?:talk|webinar|"
                   r"workshop|keynote))\b", re.I),
    ],
}

# One pass over the post decides which patterns may match (nlp/prefilter.py); most posts run none.
_PREFILTER = Prefilter(p for patterns in PATTERNS.values() for p in patterns)
_GATED = [(kind, p, _PREFILTER.bit[p]) for kind, patterns in PATTERNS.items() for p in patterns]


_NEGATION = re.compile(
    r"\b(?:not|never|no longer|didn'?t|don'?t|won'?t|isn'?t|aren'?t|wasn'?t|weren'?t|haven'?t|hasn'?t|"
    r"cancel+ed|fell through|if only|hope to|hoping to|would love to|'d love to|someday|one day|wish i|"
    r"like it'?s|as if|sick of|tired of|waiting for|want(?:ed)? for|all i want|can'?t|cannot|couldn'?t|i'?d|"
    r"would|wouldn'?t|lie|lied|pretend\w*|dream\w*|"
    # hypothetical or almost-happened: "thinking about moving", "if we ever get acquired", "almost got acquired"
    r"thinking (?:about|of)|considering|if (?:we|i)|almost|nearly|supposed to|plan(?:ning)? to|might|maybe|"
    r"want to|wanna|pull(?:ed|ing)? out of|had to cancel|rumou?r)\b",
    re.I,
)
_NEGATION_AFTER = re.compile(
    r"^[^.!?]{0,40}\b(?:after all|fell through|didn'?t happen|is off|was cancel+ed|was called off|"
    r"was postponed|(?:got|was) (?:rejected|rescinded)|last (?:month|year)|years ago|back in (?:19|20)\d\d|"
    r"one day|someday|title is)\b", re.I)
# figurative uses right after the match: "launched my phone across the room", "married to my job"
_FIGURATIVE_AFTER = re.compile(
    r"^\s*(?:my (?:phone|laptop|keyboard|mouse|controller|remote|coffee|pen|shoe|alarm)|to (?:my|the) (?:job|work|desk|"
    r"couch|sofa|bed|inbox)|in (?:a|an|this) (?:email|thread|argument|debate|conversation|battle))\b", re.I)
# Someone else's news, anywhere in the sentence: "congrats to Ana", "so proud of her", "@ana just ..."
_HEARSAY = re.compile(
    r"\bcongrat\w*\b|\b(?:he|she|they)(?:'s| has| is| just| was| got)\b|@\w+ (?:just|has|is|got)\b|"
    r"\bso (?:happy|proud) for\b|\bproud of (?:him|her|them|my|our|\w+,? who)\b|\b, who (?:got|has|is|was|just)\b|"
    r"\bwelcome (?:to the team|aboard)\b|"
    r"\b(?:sad|sorry|heartbroken) to (?:hear|learn|read)\b|\brumou?r\b|\baccording to\b|"
    r"(?<!\bmy )(?<!\bour )\b(?!(?:It|That|This|There|Here|What|Today|Tomorrow|Who)\b)(?-i:[A-Z])[\w.]+(?:'s|’s) (?:funeral|death|passing|wedding|birthday|baby|anniversary|"
    r"new (?:job|role)|promotion|launch|acquisition)\b|\b(?:his|her|their|its) (?:\w+ )?(?:funeral|wedding|birthday|"
    r"baby|anniversary|acquisition|launch|new (?:job|role)|promotion)\b|\b(?:a|my|our) friend of (?:mine|ours)\b|"
    r"\b(?:half|most|all|some) (?:of )?(?:the|my|our) (?:office|team|class|company|friends)\b|"
    r"\b(?:completes?|completed|announces?|announced|confirms?|confirmed) (?:its|their|the)\b|\bbreaking\b|"
    r"\b(?:won|win|wins|received|receives|accepted) (?:his|her|their)\b|\b(?:his|her|their) (?:1st|first|\d+(?:st|nd|rd|th)) "
    r"(?:award|prize|title|grammy|oscar)\b|(?:i'?ll|i will|gonna|going to) have a heart attack",
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
    r"\b(?:my|our|his|her|their) (?:best |oldest |youngest |little |big |older |younger )?(?:friends?|sister|brother|"
    r"cousin|parents|parents'|mum|mom|dad|mother|father|grand\w+|aunt|uncle|niece|nephew|in-laws|neighbou?r|buddy|"
    r"pal|roommate|flatmate|sibling|husband|wife|partner|fianc[ée]e?|boyfriend|girlfriend|son|daughter|kid|child|"
    r"children|twin|bestie|bff|sis|bro)s?\b",
    re.I,
)
_OWN_FAMILY_OK = {"illness", "bereavement"}
# a named person as the subject of a personal moment: "RJ is moving to Maryland", "Jess got the job"
_COMMON_CAPS = ("It|That|This|There|Here|What|Today|Tomorrow|Yesterday|Just|So|And|But|Finally|Officially|Now|"
                "Also|Then|Well|Yes|Oh|Ok|Okay|Omg|Wow|Big|Some|Personal|Update|News|Guess|Who|He|She|They|We|I|You|"
                "My|Our|The|A|An|Got|Get|Been|Being|Thrilled|Excited|Happy|Proud|Honoured|Honored|Delighted|Day")
# a named person as the subject of a personal moment: "RJ is moving to Maryland", "Jess got the job"
_NAMED_SUBJECT = re.compile(rf"(?:^\s*|[,;:]\s*|\b(?:and|but|so)\s+)(?!(?:{_COMMON_CAPS})\b)(?-i:[A-Z][a-z]+|[A-Z]{{2,3}})"
                            r"(?: (?-i:[A-Z][a-z]+))? (?:is|has|just|got|was|will|'s|’s)\b")
_LAST_WEEK = re.compile(r"\b(?:last (?:week|weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
                        r"(?:was|were) (?:on )?(?:my|our))\b", re.I)
_PERSONAL = {"new_job", "moving", "wedding", "baby", "birthday", "illness"}
# a childhood memory is not a moment: "in 5th grade I fractured my leg"
_PAST = re.compile(r"\b(?:when i was|as a kid|in \d+(?:st|nd|rd|th) grade|in (?:high|middle|primary) school|"
                   r"(?:19|20)\d\d\b(?! today)|years ago)\b", re.I)
_CLAUSE_BREAK = re.compile(r"[,;:–—(]|\s-\s|\b(?:but|and|so|while|then)\b", re.I)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'll|i'd|im|ive|me|my|we|we're|we've|we'll|our|us)\b", re.I)
# what may stand before an announcement that names no one ("Engaged!!!", "Forty today.", "It's live!",
# "Heading out on paternity leave", "Out of office: getting married")
_OPENER = re.compile(r"^[\s\W_]*(?:[^:]{0,40}:\s*)?(?:(?:so|ok|okay|well|finally|officially|yes|yay|omg|wow|news|"
                     r"big news|update|personal news|some news|psa|today|and|after \w+(?: \w+){0,4}?|"
                     r"(?:thanks|thank you)(?: so much| all| everyone)? for(?: all)? the|"
                     r"\w+ing(?: \w+){0,2})[\s,:!.…-]+)*$", re.I)
# the author's own news, said so: "Big news:", "Thrilled to announce that Tidewater is now part of …"
_OWN_NEWS = re.compile(r"\b(?:(?:some|big|personal|exciting|great) news|(?:thrilled|excited|proud|happy|delighted|"
                       r"honou?red|pleased) (?:to (?:share|announce|say)|that)|update from us)\b", re.I)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*", re.U)
_RETWEET = re.compile(r"\s*RT @\w+:")


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
    if text.lstrip().startswith("RT @") and _RETWEET.match(text):
        return []  # a retweet's news is someone else's
    best: dict[str, Moment] = {}
    sentences: list[tuple[int, int]] | None = None
    candidates = _PREFILTER.scan(text)
    if not candidates:
        return readers.combine_moments(text, [], candidates) if readers.moment_gate(text, candidates) else []
    for kind, pattern, bit in _GATED:
        if candidates & bit:
            for m in pattern.finditer(text):
                if sentences is None:
                    sentences = [(s.start(), s.end()) for s in _SENTENCE.finditer(text)]
                s_start, s_end = next(((a, b) for a, b in sentences if a <= m.start() < b), (0, len(text)))
                moment = _judge(kind, text, s_start, s_end, m.start(), m.end())
                if moment and (kind not in best or moment.confidence > best[kind].confidence):
                    best[kind] = moment
    return readers.combine_moments(text, sorted(best.values(), key=lambda mo: -mo.confidence), candidates)


def _judge(kind: str, text: str, s_start: int, s_end: int, start: int, end: int) -> Moment | None:
    sentence = text[s_start:s_end]
    m_start, m_end = start - s_start, end - s_start
    before = sentence[max(0, m_start - 40): m_start]
    if _NEGATION.search(before[-30:]) or _NEGATION.search(sentence[m_start:m_end]) \
            or _NEGATION_AFTER.search(sentence[m_end:]):
        return None
    verb_end = sentence.find(" ", m_start, m_end)  # "launched my phone…" may be matched as "launched my"
    if _FIGURATIVE_AFTER.search(sentence[m_end:]) or (verb_end > 0 and _FIGURATIVE_AFTER.search(sentence[verb_end:])) \
            or _PAST.search(sentence):
        return None
    if kind == "birthday" and _LAST_WEEK.search(sentence):
        return None  # "it was my birthday last week": a birthday is news on the day
    if kind in _PERSONAL:
        clause_start = max([b.end() for b in _CLAUSE_BREAK.finditer(sentence, 0, m_start)] or [0])
        named = _NAMED_SUBJECT.search(sentence, clause_start, m_end)
        if named is not None and named.start() <= m_start:
            return None
    # the author (or their company) is the subject: a first person in the sentence, or an announcement that
    # opens it ("Engaged!!!", "Forty today.", "Release day"); headlines and other people's news have neither
    first_person = _FIRST_PERSON.search(sentence)
    if not first_person and not _OPENER.match(sentence[:m_start]) and not _OWN_NEWS.search(text) \
            and not _FIRST_PERSON.search(text):
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
