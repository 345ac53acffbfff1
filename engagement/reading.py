"""How the reply engine reads a post: what it asks, what went wrong, whether it is a loss or a launch.

The detection itself belongs to ``nlp/`` (issue 17): intents, moments, sentiment and language come from the stored
tags or from nlp's public functions. What nlp does not deliver yet lives here, in functions named ``shim_*``, to be
folded into nlp when issue 17 lands:

* ``shim_sarcasm``: praise words around a failure ("love it when the export finishes in only 45 minutes") are a
  complaint, not praise;
* ``shim_how_to``: a plain how-to question ("how do I stop exports failing at night?") is not a complaint;
* ``shim_foreign``: a question, thanks or complaint in Portuguese, German, Spanish, French, Italian, Dutch or
  Japanese (nlp tags intents in English only).

The specifics a reply acknowledges (a ticket number, the feature, the failure, a duration) are read with fixed
patterns: the composer copies from a post only these, never free text (a post cannot steer what a reply says).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from engagement.replies import CELEBRATED_MOMENTS as CELEBRATED
from engagement.replies import SENSITIVE_MOMENTS

# ------------------------------------------------------------------------------------------- sarcasm
_PRAISE_WORDS = re.compile(
    r"\b(love(?:s|d)?|loving|gotta love|great|brilliant|amazing|fantastic|genius|wonderful|stellar|perfect|truly|"
    r"blazing|so fast|super (?:helpful|productive)|thanks|thank you|wow|what a treat|thrilled|so glad|nailed it|"
    r"nothing says|nothing like|really keeps|much wow|real[- ]time analytics|enterprise ready|peak|world[- ]class|"
    r"impressive|inspiring|bravo|well done|shout-?out|just what i needed|celebrating|love the consistency)\b",
    re.I)
_FAILURE_WORDS = re.compile(
    r"(\b(blank|empty|stuck|broken|fail\w*(?! (?:e-?mails?|alerts?|notifications?|messages?)\b)|crash\w*|crops?|cropp\w+|chopp\w+|cut off|resets?|logged me out|"
    r"signed (?:me )?out|logging me out|(?<!n't )(?<!never )forget\w*|dropped|lost|zero replies|no repl\w+|no answer|moved|"
    r"only \d+ (?:minutes|hours|seconds)|(?:\d+|a whole|whole|three|two|ten) (?:minutes|hours|days|weeks) "
    r"(?:for|to|of waiting)|waiting \d+|lands on|late|slow|said no one ever|still on my invoice|"
    r"redo them by hand|dropped half|open (?:for )?\d+ days|open for \w+ (?:whole )?days|loading|to load|since lunch|"
    r"since this morning|logged out|taking forever|went out blank|two-week birthday)\b|🐌|🙄)",
    re.I)


# turns of phrase that are ironic wherever they stand ("the gift that keeps on giving", "10/10 would recommend … if
# you enjoy"): sarcasm even when the failure is told in words no list holds ("our invoice tripled")
_IRONY = re.compile(
    r"\b(if you (?:enjoy|like|love)|what could (?:possibly )?go wrong|must be a premium feature|"
    r"(?:the )?gift that keeps on giving|achieving the impossible|thanks (?:a lot|for nothing)|"
    r"very on trend|bold (?:commitment|choice|move|strategy)|keeps (?:me|us|you) (?:guessing|on (?:my|our|your) toes)|"
    r"who needs (?:\w+ )?(?:sleep|weekends|data|numbers|charts)|truly (?:a |an )?(?:growth|innovative|visionary|"
    r"revolutionary|groundbreaking|next-level)|10/10 would|(?:love|glad|thrilled|happy) (?:that|how) (?:\S+ ){0,6}"
    r"(?:has|have|just) decided)\b|(?:^|\s)/s\b", re.I)


def shim_sarcasm(text: str, intents: list[str]) -> bool:
    """Praise words around a failure: sarcasm, which is a complaint. nlp.intents.is_sarcastic (issue 17) reads
    it first; the patterns below stay as this module's own net until the two are folded together. A failure the
    post reports as over ("no more failed exports since the rebuild") is praise, not sarcasm."""
    from nlp.intents import is_sarcastic

    if is_sarcastic(text) or _IRONY.search(text):
        return True
    if "question" in intents or ("complaint" in intents and "praise" not in intents and not
                                 _PRAISE_WORDS.search(text)):
        return False  # already read as a complaint: "Not great." is not sarcasm
    # the praise must stand next to the failure (within SARCASM_REACH characters): genuine praise often tells of a
    # problem further off ("I budgeted three weeks for the move … done in an afternoon. Thank you")
    praise = [m.start() for m in _PRAISE_WORDS.finditer(text)]
    return any(not _resolved_before(text, m.start()) and any(abs(p - m.start()) <= SARCASM_REACH for p in praise)
               for m in _FAILURE_WORDS.finditer(text))


SARCASM_REACH = 80


# ---------------------------------------------------------------------------------------------- how-to
_HOW_TO = re.compile(
    r"\b(how (?:do|can|should|would) (?:i|we|you)|what'?s the (?:best|right|easiest) way|is there a way|"
    r"which setting|how to|what'?s the workaround|how do we handle|who gets notified|can i|can we)\b", re.I)
_REAL_COMPLAINT = re.compile(
    r"\b(still|again|unacceptable|ridiculous|useless|terrible|not ok|frustrat\w*|disappoint\w*|no (?:reply|answer|"
    r"response)|ticket|case \d|third|second failed|broken|we pay|waste)\b", re.I)


_HYPOTHETICAL = re.compile(r"\b(if|when|whenever|in case|what happens|so (?:that )?(?:nobody|no one)|can|could|might|"
                           r"would)\b[^.?!]{0,60}\b(slow|fail\w*|times? out|"
                           r"timeouts?|error\w*|breaks?|down|stuck)\b", re.I)


def shim_how_to(text: str, intents: list[str]) -> bool:
    """A how-to question that merely names a problem ("how do I stop exports failing?", "if the export times out,
    does it retry?") is a question, not a complaint (issue 17 will own this)."""
    return "question" in intents and bool(_HOW_TO.search(text) or _HYPOTHETICAL.search(text)) \
        and not _REAL_COMPLAINT.search(text)


_RESOLVED_PRAISE = re.compile(
    r"\b(no more|fixed (?:it |our \w+ |in |everything)|sorted (?:it|our)|since the rebuild|rock solid|beats an?|"
    r"no drama|sleeping better|changed (?:our|everything)|the real deal|kudos|shout-?out|thank|saved (?:our|us|me|the)|"
    r"stopped the|killed (?:the|our)|helped (?:us|me)|calm again|painless|it wasn'?t|turned out|legend|proper change|"
    r"hate to (?:admit|say)|not gonna lie|expected [^.]{0,40} to be|was dreading|appreciated|exactly what|"
    r"credit (?:where|to)|hats off|props to|above and beyond|highly recommend|game[- ]changer|finally|"
    r"(?:that'?s|which is) rare|(?:nobody|no one) misses|(?:don'?t|do not) miss|(?:didn'?t|did not|never) expect)\b",
    re.I)
_PRAISE_CUE = re.compile(r"\b(thank\w*|ty|thx|kudos|shout-?out|credit (?:where|to)|hats off|props to|"
                         r"above and beyond|brilliant|great|love|perfect|lovely|nicest|rock solid|"
                         r"real deal|appreciated|sleeping better|changed (?:our|everything)|exactly what|legend|"
                         r"saved|calm again|painless|proper|best|gorgeous|helped|boring in the best way|done\.?$|"
                         r"fixed (?:everything|it|our|in)|hate to (?:admit|say))", re.I)
# a failure the post reports as over: "no more failed exports", "fixed the blank charts", "used to time out"
_RESOLVED_CONTEXT = re.compile(r"\b(no more|fixed|sorted|solved|stopped|since the|used to|without|never had|"
                               r"anymore|killed|no longer|instead of|rather than|better than|beats|before|"
                               # someone else's failure: "three BI vendors", "a vendor where tickets vanished"
                               r"vendors?|providers?|(?:my|our) (?:old|last|previous) (?:tool|job|company)|"
                               r"other tools?)\b[^.!?]{0,40}$|\b(?:not|wasn'?t|isn'?t|never) an?\s*$", re.I)


def _resolved_before(text: str, at: int) -> bool:
    return bool(_RESOLVED_CONTEXT.search(text[max(0, at - 50): at]))


def _unresolved(pattern: re.Pattern[str], text: str) -> bool:
    """Whether the pattern finds something in the post that is not reported as over ("fixed our broken X")."""
    return any(not _resolved_before(text, m.start()) for m in pattern.finditer(text))


def shim_resolved(text: str, intents: list[str], sentiment: float | None) -> bool:
    """Praise that names a problem it no longer has ("no more failed Monday exports", "fixed in a day", "I expected
    it to be painful. It wasn't.") is praise, not a complaint (issue 17 will own this)."""
    return ("complaint" in intents and "question" not in intents and bool(_RESOLVED_PRAISE.search(text))
            and bool(_PRAISE_CUE.search(text)) and not _unresolved(_REAL_COMPLAINT, _RECOVERED.sub(" ", text))
            and not trouble(text))


# what went wrong, in general words: a failure, a ticket, an outage, a grievance; a post with none of these is not
# a complaint, however its sentiment score reads ("does any of our data end up on your servers? Legal asks")
_TROUBLE = re.compile(
    r"\b(gone|disappear\w*|vanish\w*|nobody (?:warned|told|answered|replied|reached)|no one (?:warned|told|answered)|"
    r"(?:can'?t|cannot|couldn'?t|won'?t|don'?t|doesn'?t|didn'?t|isn'?t|aren'?t|wasn'?t|weren'?t|never) "
    r"(?:load|work|show|open|save|export|connect|sign|log|fire|arrive|match|update|get|see|find|send|escape|"
    r"handle|render|display|respect|keep|remember|refresh|sync|apply)\w*|(?:a|no|the) fix\b|"
    r"every (?:single )?(?:time|release|update|day|week|morning)|nothing (?:has |is )?(?:arrived|loaded|loading|"
    r"works|showing|shows)|(?:came|went) (?:in|out) \d+% higher|\d+% higher|higher than last|overcharg\w*|"
    r"without (?:a word|warning|notice|telling)|broke|broken|bug|error|wrong|missing|kicks? me|kicking me|"
    r"sends? me in circles|spins?|spinning|sliced|clears? themselves|hasn'?t (?:updated|arrived|loaded)|"
    r"not (?:great|ok|okay|good enough|acceptable)|hello\?|explain\?|how is that ok|"
    r"(?:were|was|are|is|came out|come out|went out) (?:all |completely |totally |still )?(?:empty|blank)|"
    r"hadn'?t (?:updated|arrived|loaded|refreshed|run)|(?:takes|took|taking) (?:over |about |nearly )?\d+ "
    r"(?:seconds|secs|minutes|mins|hours) to (?:load|open|run|render|refresh|export)|driving (?:me|us) (?:up the wall|crazy|mad|nuts|insane)|"
    r"(?:printed|rendered|shows?|showing|appears?|landed) (?:\w+ ){0,3}(?:on top of|over|under) the|"
    r"(?:two|three|several|many) (?:board members|people|clients|customers) (?:already )?(?:emailed|called|asked|"
    r"complained))\b", re.I)


# "calm again", "working again": a recovery, not a repeat failure
_RECOVERED = re.compile(r"\b(calm|working|fast|quiet|happy|usable|readable|back|normal|sane|green|smooth)\s+again\b",
                        re.I)


def trouble(text: str) -> bool:
    """Whether the post reports something that went wrong (and not as something already fixed)."""
    for pattern in [_TICKET, _TROUBLE, _REAL_COMPLAINT, *(p for p, _ in FAILURES)]:
        for m in pattern.finditer(text):
            if _resolved_before(text, m.start()):
                continue
            if m.group(0).lower() == "again" and _RECOVERED.search(text[max(0, m.start() - 12): m.end()]):
                continue
            return True
    return False


# a question asked without a question mark, or after a comma: "hw long is the trial", "…, which one is it"
_ASK_FORM = re.compile(
    r"(?:^|[.!,;:]\s*|\n|@\w+\s+|\b(?:and|so|but|also|quick q:?)\s+)"
    r"(?:how|hw|what|wat|which|where|when|who|why|is there|are there|r there|is it|are you|can (?:i|we|you|u|it)|"
    r"could (?:i|we|you)|do (?:you|u|i|we)|does (?:it|this|fernhill)|will (?:it|you|u)|any (?:way|chance|eta|plans?)|"
    r"(?:is|are|can|could|does|do|will|would) fernhill)"
    r"\s+\w+", re.I)


# a question asked indirectly: "I'm wondering whether…", "not sure if…", "would love to know how…"
_ASK_INDIRECT = re.compile(
    r"\b(wonder(?:ing)? (?:if|whether|how|what|why|when|which)|(?:i'?d|i would|we'?d|we would|would) (?:like|love) to "
    r"(?:know|understand|find out)|not sure (?:if|whether|how|what|which|where)|curious (?:if|whether|how|what|"
    r"about|to know)|(?:need|want) to (?:know|understand|find out) (?:if|whether|how|what|which|where|when)|"
    r"(?:does )?any(?:one|body) know|can (?:someone|somebody|you) (?:tell|explain|confirm|clarify)|"
    r"(?:let|lmk) (?:me|us) know (?:if|whether|how|what)|please (?:confirm|clarify|explain)|"
    r"(?:tell|show) (?:me|us) (?:if|whether|how|what)|help me understand|quick q(?:uestion)?\b|"
    r"question (?:about|on|for you))", re.I)


def asks(text: str) -> bool:
    return bool(_QUESTION_MARK.search(text) or _ASK_FORM.search(_strip_handles(text))
                or _ASK_INDIRECT.search(text))


def _strip_handles(text: str) -> str:
    # a handle in the middle of a sentence names us ("does @fernhill.bsky.social have a dark theme"); one that
    # opens the post only addresses it
    text = re.sub(r"^(?:\s*(?:[@#][\w.@-]*\w|\bu/\w+))+", " ", text)
    return re.sub(r"(?:(?<=\s)|^)(?:[@#][\w.@-]*\w|u/\w+)", "fernhill", text).strip()


# --------------------------------------------------------------------------------------- other languages
FOREIGN = {
    "pt": {"thanks": "Obrigado", "hello": "Olá", "cue": r"\b(obrigad[oa]|valeu)\b",
           "trouble": r"\b(falhou|erro|sem resposta|não funciona|quebrad\w+|não carrega|fora do ar|caiu)\b",
           "outage": r"\b(não carrega|fora do ar|caiu|lento|travad\w+)\b"},
    "de": {"thanks": "Danke", "hello": "Hallo", "cue": r"\b(danke|vielen dank)\b",
           "trouble": r"\b(fehler|kaputt|funktioniert nicht|keine antwort|lädt nicht|ausfall|störung|down)\b",
           "outage": r"\b(lädt nicht|ausfall|störung|down|langsam|hängt)\b"},
    "es": {"thanks": "¡Gracias", "hello": "Hola", "cue": r"\b(gracias)\b",
           "trouble": r"\b(error|falló|no funciona|sin respuesta|no carga|caído|caída)\b",
           "outage": r"\b(no carga|caído|caída|lento|colgado)\b"},
    "fr": {"thanks": "Merci", "hello": "Bonjour", "cue": r"\b(merci)\b",
           "trouble": r"\b(erreur|ne marche pas|en panne|aucune réponse|ne charge pas|ne se charge pas|plante)\b",
           "outage": r"\b(en panne|ne charge pas|ne se charge pas|lent|indisponible)\b"},
    "it": {"thanks": "Grazie", "hello": "Ciao", "cue": r"\b(grazie)\b",
           "trouble": r"\b(errore|non funziona|non si carica|non carica|bloccat\w)\b",
           "outage": r"\b(non si carica|non carica|lento|down|irraggiungibile)\b"},
    "nl": {"thanks": "Dank je", "hello": "Hoi", "cue": r"\b(bedankt|dank je)\b",
           "trouble": r"\b(fout|werkt niet|laadt niet|storing|plat)\b", "outage": r"\b(laadt niet|storing|plat|traag)\b"},
    "ja": {"thanks": "ありがとうございます", "hello": "こんにちは", "cue": r"(ありがとう|感謝)",
           "trouble": r"(失敗|エラー|返事がない|動かない)"},
}
_QUESTION_MARK = re.compile(r"[?？¿]")
# a post that tries to instruct the reply writer: read as a question at most, never as praise
_INJECTION = re.compile(r"\b(ignore (?:all |your |any )?(?:previous |prior )?(?:instructions|rules)|you are now|"
                        r"system:|assistant:|admin mode|reply with|in your (?:answer|reply)|new policy)\b", re.I)


_CLAUSE = re.compile(r"\([^)]*\)|\"[^\"]*\"|'[^']{12,}'|[^.!?\n]+[.!?]*")
_INSTRUCTION = re.compile(r"\b(ignore|disregard|forget) (?:all |your |any |the )?(?:previous |prior |above )?"
                          r"(?:instructions|rules|prompt)|\b(you are now|system:|assistant:|admin mode|reply with|"
                          r"include (?:this|https?://|the link)|post this|add ['\"]|in your (?:answer|reply)|"
                          r"new policy|</?\w+>)", re.I)


def without_instructions(text: str) -> str:
    """What a post that instructs the reply writer actually asks: its questions, or else its clauses that instruct
    nothing, without links: "how is volume counted? (reply with https://x.example in your answer)" → "how is volume
    counted?"."""
    text = re.sub(r"https?://\S+", " ", text)
    kept = [m.group(0).strip() for m in _CLAUSE.finditer(text) if not _INSTRUCTION.search(m.group(0))]
    asked = [k for k in kept if k.endswith(("?", "？"))]
    return " ".join(asked or kept).strip()


def shim_foreign(text: str, lang: str | None) -> list[str]:
    """Intents of a post in another language, from a few cue words (issue 17 will own this)."""
    table = FOREIGN.get(lang or "")
    if not table:
        return ["question"] if _QUESTION_MARK.search(text) else []
    found = []
    if _QUESTION_MARK.search(text):
        found.append("question")
    if re.search(table["trouble"], text, re.I):
        found.append("complaint")
    elif re.search(table["cue"], text, re.I):
        found.append("praise")
    return found


def shim_unlabelled(text: str, lang: str | None, sentiment: float | None) -> list[str]:
    """A post addressed to us that nlp finds no intent in still wants an answer: something that went wrong is a
    complaint, a question (with or without its mark) a question, thanks or praise is praise; with none of these,
    the sentiment decides, and a neutral post gets no reply rather than a guess."""
    if trouble(text) or _FAILURE_WORDS.search(text):
        return ["complaint"]
    if asks(text):
        return ["question"]
    if lang not in ("en", None):
        return ["praise"]
    if _PRAISE_CUE.search(text) or _PRAISE_WORDS.search(text):
        return ["praise"]
    if sentiment is None:
        from nlp.sentiment import default_model

        sentiment = default_model().score(text)[0]
    return ["complaint"] if sentiment <= -0.3 else ["praise"]


# a death or a serious illness the post reports, whoever it concerns and in the languages the engine greets in:
# nlp's moments take only the author's own (and in English), but a brand's public reply to "we lost a dear
# colleague", "Sam passed away this week" or "ma mère nous a quittés" is never right
_HARDSHIP = re.compile(
    r"\b(passed away|passing of|rest in peace|rest easy|in loving memory|funeral|memorial (?:service|fund)|obituary|"
    r"condolences|grieving|mourning|lost (?:his|her|their|a|the) (?:long )?(?:battle|fight) with|(?-i:RIP)|"
    r"hospitali[sz]ed|(?:seriously|critically|terminally|fell|been|very) ill\b|terminal (?:diagnosis|illness)|"
    r"(?:starting|start|starts|begin|begins|during) (?:my |her |his )?(?:cancer )?treatment|"
    r"lost (?:a |our |my )?(?:dear |beloved |wonderful |great )?(?:colleague|friend|teammate|co-?worker|mentor|boss|"
    r"founder|co-?founder)|(?:he|she|they|(?-i:[A-Z])[a-z]+) (?:has |had )?(?:suddenly |unexpectedly )?died|"
    r"diagnosed with|chemo(?:therapy)?|radiotherapy|(?:in|from|to) (?:the )?hospital|intensive care|hospice|"
    r"(?:my|had|after|from|having) (?:a |an |the |my )?(?:\w+ )?surgery|miscarriage|recovering from|(?:in|after) (?:a|an|the) (?:car |bike |serious )?(?:accident|crash)|"
    r"(?:my|from|with|of) burn-?out\b(?!-)|(?:for|on|with) (?:my )?mental health|"
    r"(?:on|off on) (?:sick|medical) leave|(?:have|has|had|got|with|fighting|battling|beat|beating) (?:breast |"
    r"lung |stage \d )?(?:cancer|lymphoma|leuka?emia)|(?:a|had|has|after) (?:heart attack|stroke)|"
    # fr, de, es, pt, it, nl
    r"nous a quittés|nous a quittées|décédée?|décès|obsèques|hôpital|verstorben|gestorben|beerdigung|"
    r"krankenhaus|krank|malade|enferm[oa]|doente|malat[oa]|ziek|"
    r"falleci(?:ó|do|da|miento)|faleceu|falecimento|hospital internad[oa]|è (?:morto|morta|"
    r"scomparso|scomparsa)|funerale|ospedale|overleden|begrafenis|ziekenhuis)\b", re.I)


# good news nlp's moment types do not name (a milestone, a degree, an engagement, a release) or that their
# self-reference checks miss: congratulated as "the news"
_HAPPY_NEWS = re.compile(
    r"\b(?:(?:we|i) (?:just |finally )?(?:crossed|hit|passed|reached) (?:(?:\$|£|€)\d[\d.,]*\s?(?:[mkb]|million)?|"
    r"[\d.,]+\s?(?:[mk]|million|thousand)? (?:arr|mrr|users|customers|subscribers|downloads|stars|members))\b|(?:we|i) (?:did it|made it)\b|(?:defended|passed|submitted) my (?:phd|thesis|viva|dissertation)|"
    r"(?:got|just got|we got|i got|we'?re|i'?m) (?:engaged|married|promoted)|graduated\b|"
    r"\b(?:v?\d+\.\d+(?:\.\d+)?|version \d+) is (?:finally )?(?:out|live|released)\b|(?:excited|thrilled|proud|happy|delighted|honou?red|humbled) to "
    r"(?:announce|share|say|join|have)|(?:personal|big|some|small) (?:news|announcement)\b|milestone)", re.I)


def shim_happy_news(text: str) -> bool:
    """Good news the post shares that is not a complaint (issue 17 will fold this into nlp's moments)."""
    return bool(_HAPPY_NEWS.search(text)) and not trouble(text)


def shim_hardship(text: str) -> bool:
    """Whether the post reports a death or a serious illness (issue 17 will fold this into nlp's moments)."""
    return bool(_HARDSHIP.search(text))


_STATUS_QUESTION = re.compile(r"\b(is (?:something|it|fernhill|everything) (?:up|down|broken|ok)|any (?:eta|update)|"
                              r"anyone else (?:seeing|having|getting)|for anyone else|(?:is|are) (?:the )?(?!\w+ing\b)\w+ down|"
                              r"what'?s going on|is it just (?:me|us)|just (?:me|us)\s*[?？]|"
                              r"is there an? (?:incident|outage))", re.I)

# ------------------------------------------------------------------------------------------ specifics
# a ticket as support systems number them: "ticket 51907", "case #4471", and with letters: "case FH-3391",
# "ticket FERN-1188", "case 4471-B"
_TICKET = re.compile(r"(?:\b(ticket|case|issue|incident)\s*(?:no\.?|number)?\s*#?\s*((?:[A-Z]{1,6}-)?\d{3,8}"
                     r"(?:-[A-Z0-9]{1,3})?)\b|#(\d{4,8})\b)", re.I)
# a duration is what the complaint is about only when it is a wait or a time taken ("for three weeks", "took 40
# minutes", "nine days without an answer"), not a date ("three weeks after announcing viewers are free")
_WAIT_BEFORE = re.compile(r"\b(?:for|waited|waiting|wait|took|takes|taking|take|spent|been|open|over|almost|nearly|"
                          r"only|whole|another|still|than)\s+(?:(?:a|an|the|about|around|over|almost|nearly|like|"
                          r"full|whole|entire)\s+){0,2}$", re.I)
_WAIT_AFTER = re.compile(r"^\s*(?:since|without|of (?:waiting|silence|nothing)|to (?:load|export|run|open|answer|reply|"
                         r"get|finish|render)|and (?:still|counting|no|nothing)|later|late|behind|overdue|delayed|waiting|"
                         r"for (?:a|an|the|one|each|every|our|my|this|that|it|them) (?:\w+ )?(?:to|load|export|run))\b",
                         re.I)


def _is_a_wait(text: str, m: re.Match[str]) -> bool:
    return bool(_WAIT_BEFORE.search(text[max(0, m.start() - 40): m.start()])
                or _WAIT_AFTER.search(text[m.end(): m.end() + 30]))


_DURATION = re.compile(r"\b(\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
                       r"thirty|forty|forty-five|fifty|sixty|ninety) ?(seconds|secs|minutes|mins|hours|hrs|days|weeks|"
                       r"months)\b", re.I)
_OUTAGE = re.compile(
    r"\b((?:is|are|was|were|went|goes|been|it'?s) down|down again|outage|stuck|delay\w*|(?:is|are|was|were|running|"
    r"arrived|still|hours?|an hour|really|so|very) late|late (?:again|today)|spinning|loading|not loading|won'?t load|taking forever|\d+ seconds to load|"
    r"minutes? (?:for a dashboard )?to load|unusable|exports? (?:have been |are )?failing|status page|"
    r"is something up|timing out|times out|(?:returning|throwing|getting) (?:a |an )?5\d\d|5\d\d (?:errors?|on every)|"
    r"(?:is|are) (?:the )?(?!\w+ing\b)\w+ down|down for (?:anyone|everyone|everybody)|is there an? (?:incident|outage)|"
    r"nothing (?:at all )?(?:will |would )?loads?)\b", re.I)
# the failure, in words a reply may use: (pattern over the post, the phrase a reply says)
FAILURES: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.I), phrase) for p, phrase in [
    (r"\b(blank|empty) (charts?|exports?|dashboards?|pages?)\b|\bhalf[- ](?:empty|blank)\b|"
     r"\b(?:landing|land|lands|arrive[sd]?|arriving|came|come|went|go(?:es)?) (?:out )?(?:empty|blank)\b", "blank charts"),
    (r"\b(charged (us |me )?twice|double[- ]charged|identical invoices|invoices? .* identical)\b", "a double charge"),
    (r"\b(crops?|cropp\w+|cut(s|ting)? off|chopp\w+)\b", "cropped labels"),
    (r"\bresets?\b|\bresetting\b", "settings that reset"),
    (r"\b(logged (me )?out|loops? back|login loop|can'?t log ?in)\b", "a login loop"),
    (r"\b(dropped|lost|missing) (every|all|half|our|rows)|\bsilently dropped\b|\blost all\b", "lost data"),
    (r"\b(no (?:answer|reply|response)|zero replies|nobody (?:answers|replied)|sem resposta|still no reply|"
     r"(?:haven'?t|have not|never) (?:heard back|had an? (?:answer|reply|response))|still waiting (?:for|on) "
     r"(?:an? )?(?:answer|reply|response)|ghosted|(?:days|weeks|months) since [^!?\n]{0,50}?"
     r"(?:answer|repl|respon|got back|heard))\w*", "no reply"),
    (r"\b(raised our price|doubles? our bill|bill goes up|price (hike|increase)|still on my invoice)\b",
     "the bill"),
    (r"\bmoved (the |our )?\w+ (button )?again\b|\bmoved again\b", "the move"),
    (r"\b(rejected)\b", "a rejected file"),
    (r"\b(never fires|didn'?t fire|doesn'?t fire)\b", "a check that never fires"),
    (r"\b(yesterday'?s numbers|wrong (day|numbers|data))\b", "wrong numbers"),
    (r"\b(fail\w*|falhou)\b(?! (?:e-?mails?|alerts?|notifications?|messages?)\b)", "failure"),
    (r"\b(stuck|delay\w*|(?:is|are|was|were|running|arrived|came|landed|still|hours?|days?|an hour|really|so|very) late|"
     r"late (?:again|today)|lands on \w+day)\b", "delay"),
    (r"\b(slow|spinning|to load|taking forever|loading|🐌)|\bonly \d+ (minutes|hours)", "slowness"),
    (r"\b(keeps? telling|same .* nudge|again and again)\b", "repeated emails"),
]]
# product things a complaint can be about, as a reply names them (the knowledge base's keywords are added)
FEATURES = [
    ("scheduled export", "scheduled exports"), ("csv export", "CSV exports"), ("export", "exports"),
    ("share button", "the share button"), ("mobile view", "the mobile view"), ("on my phone", "the mobile view"),
    ("y-axis", "the mobile view"), ("axis labels", "chart labels"), ("filters", "filters"),
    ("embedded dashboard", "embedded dashboards"),
    ("slack digest", "the Slack digest"), ("sso", "SSO"), ("log in", "logging in"),
    ("logged me out", "logging in"), ("signed out", "logging in"), ("signed me out", "logging in"),
    ("sign-in", "logging in"), ("sign in", "logging in"), ("login", "logging in"), ("metabase importer", "the Metabase importer"), ("importer", "the importer"),
    ("row policy import", "the row policy import"), ("onboarding emails", "the onboarding emails"),
    ("invoice", "billing"), ("pricing", "pricing"), ("price", "pricing"), ("bill", "billing"),
    ("dashboard", "dashboards"), ("freshness check", "the freshness check"), ("check", "checks"),
    ("support", "support"), ("status page", "the status page"), ("chart titles", "chart titles"),
    ("notes", "chart notes"), ("exportação", "scheduled exports"),
]


@dataclass
class Reading:
    """What a reply has to answer, read off the post."""

    lang: str | None
    intents: list[str]
    moment: str | None = None
    sensitive: bool = False
    sarcasm: bool = False
    outage: bool = False
    tickets: list[str] = field(default_factory=list)
    durations: list[str] = field(default_factory=list)
    failure: str | None = None
    feature: str | None = None
    injection: bool = False  # the post tries to instruct the reply writer: no knowledge answer, no copying
    grievance: bool = False  # the post reports something that went wrong (not only a negative tone)

    @property
    def question(self) -> bool:
        return "question" in self.intents

    @property
    def complaint(self) -> bool:
        # a question about leaving ("what's the refund policy if we cancel?") wants an answer first
        return "complaint" in self.intents or ("churn_risk" in self.intents and (self.grievance or not self.question))

    @property
    def praise(self) -> bool:
        return "praise" in self.intents


def read_post(text: str, *, addressed: bool = True, lang: str | None = None, sentiment: float | None = None,
              intents: list[str] | None = None, moments: list[dict] | None = None) -> Reading:
    """Read a post. Stored tags are used when given; otherwise nlp's own functions tag it here."""
    from nlp.language import detect_language

    if lang is None:
        lang = detect_language(text, None)
    english = lang in ("en", None)
    if intents is None:
        if english:
            from nlp.intents import detect_intents
            from nlp.sentiment import default_model

            score, label = default_model().score(text)
            if sentiment is None:
                sentiment = score
            intents = detect_intents(text, label, addressed)  # nlp's intents take the label, not the score
        else:
            intents = shim_foreign(text, lang)
    elif not english and not intents:
        intents = shim_foreign(text, lang)
    intents = list(intents)
    heard_by_nlp = "complaint" in intents  # the complaint model's reading, before the rules below add their own
    if _INJECTION.search(text):
        # read on what the post asks, not on the instruction (a post that is only an instruction gets a find-out)
        asked = without_instructions(text)
        intents = [i for i in intents if i in ("question", "complaint")] if asked else []
        intents = intents if intents and trouble(asked) or "question" in intents else ["question"]
    if not intents and addressed:
        intents = shim_unlabelled(text, lang, sentiment)
    if moments is None:
        from nlp.moments import detect_moments

        moments = [m.to_dict() for m in detect_moments(text)] if english else []
    types = [m.get("type") for m in moments]
    reading = Reading(lang=lang, intents=intents, injection=bool(_INJECTION.search(text)))
    reading.sensitive = any(t in SENSITIVE_MOMENTS for t in types) or shim_hardship(text)
    reading.moment = next((t for t in types if t in CELEBRATED), None)
    if reading.moment is None and english and not reading.sensitive and shim_happy_news(text):
        reading.moment = "news"  # worded as "the news" (engagement/wording.py)
    if english and shim_sarcasm(text, intents) and addressed:
        reading.sarcasm = True
        intents[:] = ["complaint"] + [i for i in intents if i not in ("praise", "complaint")]
    reading.grievance = reading.sarcasm or trouble(text)
    if english and heard_by_nlp and "complaint" in intents and not reading.grievance and "question" not in intents:
        # nlp's complaint model, trained on brand tweets, hears complaints in plain reports ("went from 50 minutes
        # to 25"); a complaint needs something that went wrong: without it, the post is read by its evidence
        # ... and with nothing wrong but praise in it, it is praise
        if _PRAISE_CUE.search(text) or _RESOLVED_PRAISE.search(text):
            intents[:] = [i for i in intents if i != "complaint"] or ["praise"]
    if english and not reading.question and ("complaint" not in intents or not reading.grievance) and asks(text) \
            and addressed and not reading.moment:
        intents.insert(0, "question")  # "hw long is the trial", "…, which one is it": asked without the mark
    if shim_how_to(text, intents) or (reading.question and not reading.grievance and english):
        # a question is a complaint only when it reports something that went wrong; a negative sentiment score
        # alone ("legal wants to know before we connect anything") does not make one
        intents[:] = [i for i in intents if i != "complaint"]
    if english and not reading.sarcasm and shim_resolved(text, intents, sentiment):
        intents[:] = ["praise"] + [i for i in intents if i not in ("praise", "complaint")]
    if reading.question and not reading.complaint and _OUTAGE.search(text) and _STATUS_QUESTION.search(text):
        intents.append("complaint")  # "dashboard took 40 seconds to load. is something up?"
    reading.tickets = _tickets(text)
    reading.durations = [f"{m.group(1).lower()} {m.group(2).lower()}" for m in _DURATION.finditer(text)
                         if _is_a_wait(text, m)][:2]
    reading.failure = next((phrase for pattern, phrase in FAILURES if pattern.search(text)), None)
    lowered = text.lower()
    reading.feature = next((name for cue, name in FEATURES if cue in lowered), None)
    table = FOREIGN.get(lang or "")
    foreign_outage = bool(not english and table and table.get("outage") and re.search(table["outage"], text, re.I))
    if foreign_outage and not reading.complaint:
        intents.append("complaint")  # "il nostro cruscotto non si carica da ieri sera: è un problema vostro?"
    if reading.complaint and (_OUTAGE.search(text) or foreign_outage or reading.failure in ("delay", "slowness")):
        reading.outage = reading.failure not in ("cropped labels", "settings that reset", "a login loop",
                                                 "a double charge", "the bill", "the move", "lost data")
    return reading


def _tickets(text: str) -> list[str]:
    found = []
    for word, number, bare in _TICKET.findall(text):
        if bare:
            found.append(f"#{bare}")
        elif word.lower() == "case":
            found.append(f"case {number}")
        else:
            found.append(f"ticket #{number}" if word.lower() == "ticket" else f"{word.lower()} #{number}")
    return list(dict.fromkeys(found))
