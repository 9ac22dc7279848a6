"""The words extract reads: months, qualifiers, vague amounts, units, verbs of displacement and harm,
agencies, place cues (English and French; Arabic for the common forms of agency copy)."""

from __future__ import annotations

import re

MONTHS = {
    "en": ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"],
    # Arabic: the Levantine (Syrian) names, then the ones used in Egypt and the Gulf.
    "ar": ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول",
           "تشرين الثاني", "كانون الأول"],
    "ar2": ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
            "ديسمبر"],
}
MONTH_ABBR = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
               "oct": 10, "nov": 11, "dec": 12, "janv": 1, "févr": 2, "fevr": 2, "avr": 4, "juil": 7, "déc": 12}
WEEKDAYS = {
    "en": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "ar": ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"],
}


def month_number(word: str) -> int | None:
    word = " ".join(word.lower().rstrip(".").split())
    for names in MONTHS.values():
        if word in names:
            return names.index(word) + 1
    if word == "fevrier":
        return 2
    if word in ("aout", "decembre"):
        return 8 if word == "aout" else 12
    return MONTH_ABBR.get(word)


MONTH_RE = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
             r"|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre"
             r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|janv|f[ée]vr|avr|juil|d[ée]c"
             r"|(?:كانون|تشرين)\s+(?:الثاني|الأول)|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول"
             r"|يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر)\.?")
#: A day of the month as written: "3", "03", "3rd", "1er" (the number captured).
DAY_RE = r"(\d{1,2})(?:st|nd|rd|th|er)?"
WEEKDAY_RE = (r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
              r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
              r"|الاثنين|الثلاثاء|الأربعاء|الخميس|الجمعة|السبت|الأحد)")

# Qualifiers as written before a figure; kept verbatim (lower case) in the output.
QUALIFIERS = {
    "en": ["more than", "over", "at least", "almost", "nearly", "some", "about", "around", "approximately",
           "roughly", "up to", "as many as", "an estimated", "estimated", "close to", "fewer than", "less than",
           "upwards of", "in excess of", "no fewer than", "no less than", "just under", "at most",
           "no more than"],
    "fr": ["plus de", "au moins", "près de", "pres de", "presque", "environ", "quelque", "jusqu'à", "jusqu’à",
           "pas moins de", "un peu plus de", "moins de", "quelques", "autour de"],
    "ar": ["أكثر من", "ما يزيد عن", "ما يزيد على", "ما لا يقل عن", "لا يقل عن", "نحو", "حوالي", "زهاء", "قرابة",
           "ما يقارب", "أقل من"],
}
# French qualifiers in the vocabulary of the reports format (English), meaning unchanged.
QUALIFIER_EN = {"plus de": "more than", "un peu plus de": "more than", "au moins": "at least",
                 "pas moins de": "at least", "près de": "nearly", "pres de": "nearly", "presque": "almost",
                 "environ": "about", "autour de": "about", "quelque": "some", "quelques": "some", "jusqu'à": "up to",
                 "jusqu’à": "up to", "moins de": "fewer than",
                 "أكثر من": "more than", "ما يزيد عن": "more than", "ما يزيد على": "more than",
                 "ما لا يقل عن": "at least", "لا يقل عن": "at least", "نحو": "about", "حوالي": "about",
                 "زهاء": "about", "قرابة": "nearly", "ما يقارب": "nearly", "أقل من": "fewer than"}
# Vague amounts: flagged, never turned into numbers.
VAGUE = {
    "en": ["tens of thousands", "hundreds of thousands", "thousands", "hundreds", "dozens", "scores", "millions",
           "several hundred", "several thousand", "a few hundred", "a few thousand", "several dozen"],
    "fr": ["des dizaines de milliers", "des centaines de milliers", "des milliers", "des centaines", "des dizaines",
           "plusieurs milliers", "plusieurs centaines", "plusieurs dizaines", "des millions", "dizaines de milliers",
           "centaines de milliers", "milliers", "centaines", "dizaines", "quelques centaines", "quelques milliers"],
    "ar": ["عشرات الآلاف", "مئات الآلاف", "الآلاف", "آلاف", "المئات", "مئات", "العشرات", "عشرات", "الملايين",
           "ملايين"],
}
# Arabic number words (text2num has no Arabic): values, and multipliers after a digit or a word ("12 ألف").
ARABIC_NUMBERS = {
    "واحد": 1, "اثنان": 2, "اثنين": 2, "ثلاثة": 3, "ثلاث": 3, "أربعة": 4, "أربع": 4, "خمسة": 5, "خمس": 5, "ستة": 6,
    "ست": 6, "سبعة": 7, "سبع": 7, "ثمانية": 8, "ثماني": 8, "تسعة": 9, "تسع": 9, "عشرة": 10, "عشر": 10,
    "عشرون": 20, "عشرين": 20, "ثلاثون": 30, "ثلاثين": 30, "أربعون": 40, "أربعين": 40, "خمسون": 50, "خمسين": 50,
    "مئة": 100, "مائة": 100, "مئتان": 200, "مئتي": 200,
}
ARABIC_MULTIPLIERS = {"ألف": 1_000, "آلاف": 1_000, "ألفا": 1_000, "ألفاً": 1_000, "مليون": 1_000_000,
                      "ملايين": 1_000_000, "مليونا": 1_000_000, "مليوناً": 1_000_000}
# Common Arabic words that are also the names of villages somewhere: never looked up as places on their own.
ARABIC_COMMON = {
    "بين", "في", "من", "إلى", "الى", "على", "عن", "مع", "حتى", "حتّى", "منذ", "خلال", "نحو", "حوالي", "أكثر", "أقل",
    "المئة", "بالمئة", "مئة", "الحالي", "الماضي", "الماضية", "اليوم", "أمس", "الذي", "التي", "الذين", "هذا", "هذه",
    "قال", "وقال", "أعلن", "بحسب", "وفق", "وفقا", "شخص", "مدني", "نازح", "ألف", "آلاف", "مليون", "العام", "عام",
    "الأول", "الثاني", "مناطق", "منطقة",
}
NUMBER_WORDS = {
    "en": ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
           "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
           "million billion").split(),
    "fr": ("zéro un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize vingt "
           "trente quarante cinquante soixante cent cents mille million millions milliard").split(),
}
MULTIPLIERS = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "mille": 1_000,
                "millions": 1_000_000, "milliard": 1_000_000_000, "milliards": 1_000_000_000}

# Unit nouns after a figure. Children are a subgroup; "others" continues a list ("five others were killed").
UNITS = {
    "en": {
        "people": "people", "persons": "people", "person": "people", "civilians": "people", "civilian": "people",
        "residents": "people", "individuals": "people", "syrians": "people", "idps": "people", "others": "people",
        "inhabitants": "people", "refugees": "people", "villagers": "people", "displaced": "people",
        "migrants": "people", "returnees": "people",
        "families": "families", "family": "families", "households": "households", "household": "households",
        "children": "children", "child": "children", "kids": "children", "minors": "children",
        "women": "women", "woman": "women", "men": "people", "man": "people", "workers": "people",
        "volunteers": "people", "rescuers": "people", "journalists": "people", "doctors": "people",
        "nurses": "people", "patients": "people", "students": "people", "farmers": "people",
    },
    "fr": {
        "personnes": "people", "personne": "people", "civils": "people", "civil": "people", "habitants": "people",
        "syriens": "people", "déplacés": "people", "deplaces": "people", "réfugiés": "people", "autres": "people",
        "familles": "families", "famille": "families", "foyers": "households", "ménages": "households",
        "enfants": "children", "enfant": "children", "femmes": "women",
    },
    "ar": {
        "شخص": "people", "شخصا": "people", "شخصاً": "people", "أشخاص": "people", "مدني": "people",
        "مدنيا": "people", "مدنياً": "people", "مدنيين": "people", "مدنيون": "people", "نازح": "people",
        "نازحا": "people", "نازحاً": "people", "نازحين": "people", "نازحون": "people", "مواطن": "people",
        "مواطنا": "people", "مواطنين": "people", "ساكن": "people", "نسمة": "people", "سوري": "people",
        "سوريين": "people", "سوريون": "people", "عائلة": "families",
        "عائلات": "families", "أسرة": "families", "أسر": "families", "طفل": "children", "طفلا": "children",
        "أطفال": "children", "امرأة": "women", "نساء": "women",
    },
}
# Figures of these are not civilians: combatant tolls are left out.
COMBATANTS = {"troops", "soldiers", "fighters", "militants", "combatants", "terrorists", "rebels", "jihadists",
               "members", "insurgents", "militiamen", "combattants", "soldats", "jihadistes", "rebelles"}
# Words allowed between a figure and its unit noun ("10,000 internally displaced people").
UNIT_FILLERS = {"of", "the", "them", "more", "other", "additional", "new", "newly", "internally", "innocent",
                 "aid", "humanitarian", "medical", "relief", "civil", "defence", "defense", "health",
                 "displaced", "syrian", "local", "as", "de", "d'", "nouveaux", "autres", "civilian", "déplacés",
                 "من"}

# Verbs and nouns of displacement, incident and return. Each pattern is tried case-insensitively at a word start.
TERMS = {
    "en": [
        ("return", r"returned|returning|returnees?|went back|go back|gone back|return(?:s)? home|came back"),
        ("displacement", r"forced to (?:leave|flee|abandon)|forced out|headed (?:for|to|towards?)|heading (?:for|to|"
                         r"towards?)|(?:took|taking|take|taken|sought|seeking|find|found) (?:shelter|refuge)|"
                         r"shelter(?:ing|ed)|(?<=to )move(?=\s+(?:to|towards?|into|further|north|south|east|west))|"
                         r"fled|flee(?:s|ing)?|displac(?:ed|ing|ement)|abandon(?:ed|ing)?|moved|moving|arrived|"
                         r"arriving|evacuated|uprooted|exodus(?: of)?|escaped|driven from|from their homes|"
                         r"left their homes|deserted|left(?=\s+(?:their\s+homes|the\s+(?:city|town|area|region|"
                         r"village|province|camps?)\b|(?-i:[A-Z])))|(?<=to )leave(?=\s+(?:their\s+homes|the\s+|"
                         r"(?-i:[A-Z])))|"
                         # arrivals: "Sarmada received about 7,000 displaced people"
                         r"received|receiving|welcomed|took in|taken in|absorbed"),
        ("incident", r"killed|killing|dead|died|die|lost (?:their|his|her) li(?:ves|fe)|claim(?:ed|s)? (?:the )?"
                     r"li(?:ves|fe) of|deaths? of|wounded|wounding|injured|injuring|hurt"),
    ],
    "fr": [
        ("return", r"rentr[ée]e?s?|rentrer|retourn[ée]e?s?|retourner|sont revenus|retour de"),
        ("displacement", r"(?:ont|a|avaient|avait) fui|fui|fuient|fuyant|fuir|(?:ont|a) quitt[ée]|quittant|"
                         r"d[ée]plac[ée]e?s|d[ée]placement|"
                         r"contraint(?:e|s|es)? (?:de|à) (?:quitter|fuir)|(?:se sont|s'est) r[ée]fugi[ée]e?s?|"
                         r"arriv[ée]e?s|chass[ée]e?s|exode|jet[ée]s sur les routes|(?:prendre|pris) la route|"
                         r"(?:a|ont) accueilli|(?:a|ont) reçu"),
        ("incident", r"tu[ée]e?s|morts?|d[ée]c[ée]d[ée]e?s|bless[ée]e?s|tuant|blessant|péri"),
    ],
    "ar": [
        ("return", r"[وف]?(?:عاد|عادوا|عودة)"),
        ("displacement", r"[وف]?(?:نزحوا|نزحت|نزوح|نزح|فرّوا|فروا|فرّت|فرت|فرّ|فر|هربوا|هرب|غادروا|غادر|تهجير|هجّر|"
                         r"لجأوا|لجأ|اضطروا|اضطر)"),
        ("incident", r"[وف]?(?:قُتل|قتلوا|قتلى|قتل|مقتل|لقوا|لقي|جرحى|جرح|أصيبوا|أصيب|إصابة)"),
    ],
}
WOUNDED_RE = re.compile(r"wound|injur|hurt|bless|جرح|أصيب|إصابة", re.IGNORECASE)
# Words that may stand between a unit (or figure) and its verb: "civilians have been forced to leave".
SUBJECT_FILLERS = {
    "have", "has", "had", "been", "were", "was", "are", "is", "be", "being", "also", "reportedly", "now", "already",
    "all", "believed", "believe", "estimated", "said", "reported", "thought", "feared", "to", "who", "that",
    "since", "just", "recently", "newly", "allegedly", "ont", "été", "sont", "avaient", "auraient", "qui", "déjà",
    "y", "compris", "ce", "would", "will", "may", "might", "later", "then", "more", "others", "forcibly",
    "temporarily", "dû", "du", "pu", "chose", "decided", "had", "forced",
}
NEGATIONS = {"not", "unable", "too", "never", "cannot", "can't", "couldn't", "could", "frightened", "afraid",
              "ne", "pas", "jamais", "failed"}
# "... is home to some 2.4 million": population stocks, not movements.
STOCK_RE = re.compile(r"(?:home to|hosts?|hosting|inhabited by|population of|populated by|housing|house|"
                       r"accueille|abrite|compte|peupl[ée]e? de)\s+(?:(?:some|around|about|nearly|almost|over|"
                       r"more than|quelque|environ|près de|plus de)\s+)?$", re.IGNORECASE)
SUBGROUP_RE = re.compile(r"(?:including|among them|of whom|of them|most of them|mostly|dont|parmi eux|"
                          r"y compris)\s+(?:(?:at least|some|about|around|more than|over|several)\s+)?$",
                          re.IGNORECASE)
NOT_CIVILIAN_RE = re.compile(r"\W*(?:[\w-]+\s+){0,2}(?:on both sides|in both camps|from both sides|"
                              r"des deux côtés|dans les deux camps)", re.IGNORECASE)
SPEECH_RE = re.compile(r"\b(?:said|says|told|reported|announced|stated|added|warned|called|spoke|urged|"
                        r"a déclaré|a indiqué|a annoncé|selon)\b", re.IGNORECASE)

# Agencies: (canonical name, pattern). More specific first; "UN" gives way to "UN OCHA" when both are named.
AGENCIES = [
    ("UN OCHA", r"\bOCHA\b|Office for the Coordination of Humanitarian Affairs|UN humanitarian (?:affairs )?"
                r"(?:agency|office)|humanitarian affairs coordination office|Bureau de la coordination des "
                r"affaires humanitaires|\bBCAH\b|أوتشا|مكتب الأمم المتحدة لتنسيق الشؤون الإنسانية"),
    ("SRCG", r"Response Coordination Group|\bSRCG\b"),
    ("RCT", r"Response Coordinators(?: Team)?|\bRCT\b|منسقو استجابة سوريا|منسقي استجابة سوريا"),
    ("SOHR", r"Syrian Observatory for Human Rights|\bSOHR\b|\bOSDH\b|Observatoire syrien des droits de l['’]homme|"
             r"\b(?:the|l['’]) ?[Oo]bservat(?:ory|oire)\b|المرصد السوري"),
    ("White Helmets", r"White Helmets|Civil Defen[cs]e|Casques blancs|D[ée]fense civile|الخوذ البيضاء|"
                      r"الدفاع المدني"),
    ("local administration", r"local administration|local council|local authorities|administration locale|"
                             r"conseil local|autorités locales"),
    ("UN", r"\bUnited Nations\b|\bU\.N\.(?=\W)|\bUN\b|\bONU\b|Nations unies|(?:ال|لل|بال|وال)أمم المتحدة"),
]
PERSON_ROLE_RE = re.compile(
    r"(?<![\w'’-])((?:[A-Z][\w'’-]+\s+){0,3}(?:(?:al|el|Al|El)-)?[A-Z][\w'’-]+),\s+(?:the\s+|a\s+|an\s+)?"
    r"(?:[\w-]+\s+)?"
    r"(?:director|head|chief|spokesperson|spokesman|spokeswoman|official|member|coordinator|manager|president|"
    r"porte-parole|directeur|responsable)\s+(?:of|for|with|at|de|du|des)\s+(?:the\s+|la\s+|l['’])?")

# Lines that are page furniture, not reporting.
BOILERPLATE_RE = re.compile(r"^\s*(?:read (?:also|more)|article reserved|follow us|subscribe|please (?:fill|enter)|"
                             r"leave a reply|support the|related\b|lire aussi|cet article est réservé|comments?\b|"
                             r"total comments|share this|advertisement)", re.IGNORECASE)

# Place cues: the word before a place decides its role.
ORIGIN_CUES = {"from", "fled", "flee", "flees", "fleeing", "left", "leave", "leaving", "abandon", "abandoned",
                "abandoning", "escaped", "escaping", "evacuated", "deserted", "de", "du", "d'", "quitté", "fui",
                "fuyant", "depuis", "من",
                # "residents of Ariha moved to Dana": the people's home is where they came from
                "residents", "inhabitants", "natives", "habitants"}
DEST_CUES = {"to", "towards", "toward", "into", "for", "reached", "reaching", "vers", "à", "au", "aux", "jusqu'à",
             "إلى", "الى", "نحو", "باتجاه", "صوب", "ل"}
NEUTRAL_CUES = {"in", "at", "near", "across", "around", "inside", "on", "dans", "en", "près", "في", "ب", "قرب"}
# For a strike, the verb of the attack introduces its place ("jets strike Idlib again, 19 killed").
ATTACK_CUES = {"strike", "strikes", "struck", "hit", "hits", "against", "contre", "bombed", "bombarded", "shelled",
               "targeted", "pounded", "raided", "frappé", "bombardé", "visé"}
PLACE_FILLERS = {"the", "city", "cities", "town", "towns", "village", "villages", "rural", "of", "rebel-held",
                  "opposition-held", "province", "region", "area", "areas", "district", "camps", "camp", "nearby",
                  "neighbouring", "neighboring", "la", "le", "les", "ville", "de", "l'", "région", "province", "its",
                  "their", "besieged", "embattled", "flashpoint", "violence-plagued", "war-torn", "northern",
                  "southern", "eastern", "western", "town's", "largest", "main", "مدينة", "بلدة", "بلدات", "قرية",
                  "قرى", "منطقة", "محافظة", "مخيم", "مخيمات"}
DEST_TERMS = re.compile(r"shelter|refuge|arriv|settl|move\b|moved|moving|return|headed|heading|rentr|retourn|r[ée]fugi|"
                        r"receiv|welcom|took in|taken in|absorb|accueilli|reçu|لجأ|وصل", re.IGNORECASE)
# Verbs of a place taking people in: their subject is where people went ("Sarmada received 7,000 displaced").
RECEIVE_RE = re.compile(r"receiv|welcom|took in|taken in|absorb|accueilli|reçu", re.IGNORECASE)
LIST_JOIN_RE = re.compile(r"^(?:\s*[,،]?\s*و|\s*,\s*(?:and\s+|or\s+|et\s+)?|\s+(?:and|or|et|as well as|ainsi que)\s+|"
                           r"\s*,\s*as well as\s+)(?:the\s+|la\s+|le\s+)?$", re.IGNORECASE)

# Capitalised words that are never places on their own (they start many candidate n-grams).
NOT_PLACE_WORDS = {
    "the", "a", "an", "in", "on", "at", "and", "of", "syrian", "russian", "turkish", "iranian", "american", "us",
    "u.s.", "un", "president", "regime", "army", "forces", "government", "minister", "according", "more",
    "most", "some", "at", "since", "over", "friday", "monday", "tuesday", "wednesday", "thursday", "saturday",
    "sunday", "but", "they", "he", "she", "it", "we", "this", "that", "these", "those", "tens", "hundreds",
    "thousands", "dozens", "millions", "le", "la", "les", "des", "selon", "depuis", "plus", "france", "europe",
    "twitter", "instagram", "getty", "afp", "dpa", "read", "also", "article", "civil", "defence", "observatory",
    "assad", "al-assad", "putin", "erdogan", "trump",
}
