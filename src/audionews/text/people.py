"""Who is who in an article: people, organisations, documents and unnamed sources.

Attribution (attribution.py) asks this module three things: what kind of speaker a phrase
names ("longshore union organizer Benedikt Marsh", "the company", "the fiscal note", "one
truck driver", "she", "la alcaldesa"), which person of the article a short form means ("Marsh",
"Mr Farrow", "De la Vega", "the mayor"), and what gender the article establishes for each
person (honorifics, gendered role nouns and articles, "uses they/them pronouns", the
participle's agreement in French or Spanish, and first names that say a gender clearly,
from data/first_names.tsv).

The words are English, French and Spanish (Portuguese shares many); each list says what it is
for. Nothing here knows any article: a rule that needs a name from one has no place here.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from audionews import data


class Source(enum.Enum):
    """What kind of speaker a phrase names."""

    PERSON = "person"
    ORGANISATION = "organisation"
    DOCUMENT = "document"
    ANONYMOUS = "anonymous"
    PRONOUN = "pronoun"


# --- words --------------------------------------------------------------------------------

# Verbs that introduce or attribute speech, in the forms news copy uses them.
SPEECH_VERBS_EN = (
    "said|says|say|told|tells|added|adds|explained|explains|noted|notes|wrote|writes|asked|asks|"
    "replied|replies|argued|argues|insisted|insists|warned|warns|stated|states|declared|"
    "declares|announced|announces|recalled|recalls|continued|continues|remarked|remarks|"
    "claimed|claims|admitted|admits|concluded|concludes|observed|observes|acknowledged|"
    "acknowledges|urged|urges|pointed out|points out|went on|goes on|laughed|laughs|joked|"
    "jokes|agreed|agrees|conceded|concedes|countered|counters|suggested|suggests|predicted|"
    "predicts|promised|promises|cautioned|cautions|complained|complains|confirmed|confirms|"
    "responded|responds|answered|answers|testified|testifies|whispered|whispers|shouted|"
    "shouts|sighed|sighs|reflected|reflects|recounted|recounts|maintained|maintains|vowed|"
    "vows|repeated|repeats|emailed|tweeted|posted|wrote back|put it|puts it|describes|"
    "described|calls|called|promised|accused|accuses|warned|told reporters|told the meeting"
)
SPEECH_VERBS_FR = (
    "dit|a dit|déclare|a déclaré|explique|a expliqué|expliquait|raconte|a raconté|précise|"
    "a précisé|ajoute|a ajouté|affirme|a affirmé|souligne|a souligné|estime|a estimé|indique|"
    "a indiqué|assure|a assuré|confie|a confié|glisse|a glissé|lance|a lancé|résume|a résumé|"
    "énumère|rappelle|a rappelé|répond|a répondu|demande|a demandé|poursuit|a poursuivi|"
    "reconnaît|a reconnu|admet|a admis|insiste|a insisté|note|a noté|observe|commente|"
    "a commenté|témoigne|a témoigné|prévient|a prévenu|tranche|conclut|a conclu|continue|"
    "reprend|martèle|ironise|plaisante|sourit|soupire|s'exclame|s’exclame|s'amuse|s’amuse|"
    "s'agace|s’agace|s'inquiète|s’inquiète|s'interroge|s’interroge|regrette|déplore|avoue|"
    "concède|confirme|a confirmé|relève|détaille|analyse|nuance|tempère|renchérit|abonde|"
    "complète|lâche|souffle|murmure|s'emporte|s’emporte|explique-t-il|annonce|a annoncé|"
    "écrit|a écrit|selon|dixit|a évoqué|évoque|a indiqué|promet|a promis|qualifie|"
    "a qualifié|qualifié|décrit|a décrit|appelle|a appelé|surnomme|a surnommé|se souvient|"
    "raconte-t-il|se rappelle|résume|a résumé|estimait|jugeait|juge|a jugé"
)
SPEECH_VERBS_ES = (
    "dijo|dice|afirmó|afirma|explicó|explica|señaló|señala|aseguró|asegura|declaró|declara|"
    "agregó|agrega|añadió|añade|sostuvo|sostiene|contó|cuenta|comentó|comenta|indicó|indica|"
    "reconoció|reconoce|respondió|responde|preguntó|pregunta|relató|relata|recordó|recuerda|"
    "insistió|insiste|advirtió|advierte|destacó|destaca|apuntó|apunta|subrayó|subraya|"
    "manifestó|manifiesta|expresó|expresa|admitió|admite|lamentó|lamenta|bromeó|bromea|"
    "resumió|resume|precisó|precisa|concluyó|concluye|prometió|promete|escribió|escribe|"
    "según|decía|sentenció|apostilló|zanjó|calificó|califica|describió|describe|llamó|"
    "definió|define|bautizó|recuerda"
)
SPEECH_VERBS = "|".join(
    sorted(
        set(f"{SPEECH_VERBS_EN}|{SPEECH_VERBS_FR}|{SPEECH_VERBS_ES}".split("|")),
        key=len,
        reverse=True,
    )
)
SPEECH_VERB = re.compile(rf"(?<![\w’'-])(?:{SPEECH_VERBS})(?![\w’'-])", re.I)
# French incise forms with the subject pronoun after the verb: "précise-t-elle", "dit-il",
# "a-t-il déclaré", "rappelle-t-elle".
INVERTED_PRONOUN = re.compile(
    r"(?<![\w’'])(?:a-t-(?P<a>il|elle|on)\s+[\wéèêàâîôûç’'-]+|"
    r"[\wéèêàâîôûç’']+?(?:-t)?-(?P<b>il|elle|ils|elles|on))(?![\w’'-])",
    re.I,
)
ACCORDING_TO = re.compile(r"\b(?:according to|selon|según|d'après|d’après)\s+", re.I)

PRONOUNS = {
    "he": "m",
    "him": "m",
    "she": "f",
    "her": "f",
    "they": "they",
    "them": "they",
    "il": "m",
    "elle": "f",
    "ils": "they",
    "elles": "they",
    "él": "m",
    "ella": "f",
    "ellos": "they",
    "ellas": "they",
    "it": "it",
    "its": "it",
}
SUBJECT_PRONOUNS = frozenset({"he", "she", "they", "il", "elle", "él", "ella", "it", "on"})
RELATIVE_PRONOUNS = frozenset({"who", "which", "qui", "que", "quien", "quienes"})

HONORIFICS = {
    "mr": "m",
    "mr.": "m",
    "sir": "m",
    "lord": "m",
    "m.": "m",
    "monsieur": "m",
    "sr.": "m",
    "señor": "m",
    "don": "m",
    "mrs": "f",
    "mrs.": "f",
    "ms": "f",
    "ms.": "f",
    "miss": "f",
    "dame": "f",
    "lady": "f",
    "mme": "f",
    "mme.": "f",
    "madame": "f",
    "mlle": "f",
    "mlle.": "f",
    "sra.": "f",
    "sra": "f",
    "señora": "f",
    "srta.": "f",
    "doña": "f",
}
# Titles that stand before a name without saying a gender.
TITLES = frozenset(
    """
    dr dr. prof prof. professor sen sen. senator rep rep. representative gov gov. governor
    cllr cllr. councillor councilor mayor president judge justice rev rev. father sister
    brother capt capt. captain gen gen. general col col. lt lt. sgt sgt. insp insp. det det.
    supt supt. chief inspector commissioner minister secretary chancellor premier deputy
    ambassador bishop rabbi imam pastor coach officer constable
    """.split()
)
PARTICLES = frozenset(
    "de del della di da das dos du des la le van von der den ter ten bin ibn al el y st st.".split()
)
# Nouns that say who a person is and their gender: "a mother of two", "his daughter".
GENDERED_NOUNS = {
    **dict.fromkeys(
        "mother wife daughter sister woman women girl grandmother aunt niece widow "
        "chairwoman spokeswoman businesswoman congresswoman actress waitress lady queen "
        "mère épouse femme fille sœur soeur grand-mère tante directrice présidente "
        "maire-adjointe habitante voisine gardienne madre esposa mujer hija hermana abuela "
        "tía alcaldesa presidenta directora vecina clienta concejala".split(),
        "f",
    ),
    **dict.fromkeys(
        "father husband son brother man men boy grandfather uncle nephew widower chairman "
        "spokesman businessman congressman king père mari époux fils frère homme "
        "grand-père oncle directeur président habitant voisin gardien padre esposo marido "
        "hombre hijo hermano abuelo tío alcalde presidente director vecino cliente "
        "concejal".split(),
        "m",
    ),
}
# Nouns for an organisation, by the kind of organisation their name tells.
ORG_HEADS = frozenset(
    """
    council commission committee partners estates trust bureau association cooperative
    co-operative union unions ministry department agency authority company corporation corp
    corp. inc inc. ltd ltd. llc plc group holdings industries enterprises club society
    federation police service services board institute university college hospital foundation
    bank party government senate assembly parliament court office administration network
    alliance coalition league chamber fund charity church school schools museum gallery
    theatre orchestra band team federation railways airlines airways press
    conseil comité commune mairie préfecture prefecture syndicat fédération ministère
    gouvernement société entreprise compagnie groupe agence office ayuntamiento gobierno
    asociación consejería ministerio empresa sindicato diputación junta generalitat cabildo
    fundación club
    """.split()
)
COMPANY_HEADS = frozenset(
    """
    partners estates inc inc. ltd ltd. llc plc group holdings industries enterprises company
    corporation corp corp. co co. sa s.a. gmbh bv limited
    """.split()
)
# Generic nouns by which an article refers back to an organisation it named.
ORG_NOUNS = {
    "company": COMPANY_HEADS,
    "firm": COMPANY_HEADS,
    "operator": COMPANY_HEADS,
    "developer": COMPANY_HEADS,
    "landlord": COMPANY_HEADS,
    "owner": COMPANY_HEADS,
    "owners": COMPANY_HEADS,
    "entreprise": COMPANY_HEADS,
    "société": COMPANY_HEADS,
    "empresa": COMPANY_HEADS,
}
for _head in ORG_HEADS:
    ORG_NOUNS.setdefault(_head.rstrip("."), frozenset({_head}))
DOCUMENT_NOUNS = frozenset(
    """
    report statement letter note memo filing filings document study survey review ruling
    order notice release offer proposal minutes guidance policy email e-mail text website
    post tweet message leaflet pamphlet brochure submission assessment audit analysis
    testimony plan bill amendment petition
    rapport communiqué texte courrier lettre document étude arrêté décret avis message
    informe comunicado carta nota documento texto estudio mensaje escrito
    """.split()
)
PLACE_HEADS = frozenset(
    """
    street st road rd lane avenue ave square sound point bay river creek valley vale hall park
    bridge harbor harbour estate county city town village gate berth island mountain lake
    beach quay pier dock docks station airport centre center market marsh moor hill heights
    coast way drive close crescent terrace row place north south east west
    rue place avenue boulevard quai pont vallée calle plaza avenida paseo puerto
    """.split()
)
# Words that start a sentence in capitals without being names.
NOT_NAMES = frozenset(
    """
    the a an this that these those it in but and as we i he she they you there here then when
    if on at for from after before while with without by of to his her their its our my your
    one another some many most all both each every no not asked interrogé interrogée
    preguntado preguntada le la les l un une des du de el los las una unos unas il elle ils
    elles on nous vous je tu ce cette ces ça son sa ses leur ella él ellos ellas yo tú mi su
    sus nuestro nuestra lo al del según selon also still even just only why what how who
    where which whose yes no q a p r however meanwhile later earlier today yesterday monday
    tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december
    """.split()
)

_NAME_TOKEN = (
    r"(?:[A-ZÀ-ÖØ-Þ][\w’'\-]*[\w]|[A-ZÀ-ÖØ-Þ]\.?|O[’'][A-Z][\w\-]+|[dD][’'][A-ZÀ-Þ][\w\-]+)"
)
_PARTICLE_RE = (
    r"(?:[Dd]e(?:\s+[Ll]a|\s+[Ll]os|\s+[Ll]as)?|[Dd]el|[Dd]ella|[Dd]i|[Dd]a|[Dd]os|[Dd]as|"
    r"[Dd]u|[Dd]es|[Vv]an(?:\s+[Dd]e[nr]?)?|[Vv]on(?:\s+[Dd]er)?|[Tt]er|[Bb]in|[Ii]bn|[Aa]l|"
    r"[Ee]l|[Ll]e|[Ll]a)"
)
NAME = re.compile(
    rf"(?<![\w’'-])(?:{_PARTICLE_RE}\s+)?{_NAME_TOKEN}(?:(?:\s+{_PARTICLE_RE})?\s+{_NAME_TOKEN}){{0,4}}"
)


def fold(text: str) -> str:
    """Case-folded, accents removed: how names are compared ("Lucía" = "lucia")."""
    if text.isascii():
        return text.lower()  # the same, at once: no accents, and no ’
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def name_words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,]+", fold(text)) if w]


@lru_cache(maxsize=1)
def first_name_genders() -> dict[str, str]:
    """First names that say a gender clearly (data/first_names.tsv), folded."""
    table: dict[str, str] = {}
    for line in data.FIRST_NAMES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, gender = line.partition("\t")
            table[name] = gender
    return table


def _first_name(first: str) -> str | None:
    """The table's entry for a first name: "f", "m", "?" (a name of no clear gender)."""
    folded = fold(first)
    table = first_name_genders()
    if folded in table:
        return table[folded]
    # "Jean-Marc": the first part of a compound name says it.
    head = folded.split("-")[0]
    return table.get(head) if head != folded else None


def first_name_gender(first: str) -> str | None:
    """ "f" or "m" for a first name that says it clearly, else None."""
    found = _first_name(first)
    return found if found in ("f", "m") else None


def is_first_name(word: str) -> bool:
    """Whether a word is a first name (the data has a few function words: they are not)."""
    folded = fold(word)
    if folded in PARTICLES or folded in NOT_NAMES or folded in ("saint", "san", "santa"):
        return False
    return _first_name(word) is not None


# --- the people and organisations of one article --------------------------------------------


@dataclass
class Entity:
    """Someone or something an article names or describes as speaking.

    name: the full name as introduced (for an organisation, its name without a leading
        article); for a document or an anonymous source, the phrase that describes it.
    source: person, organisation, document or anonymous.
    gender: "f", "m", "they", or None while the article has not said.
    roles: role nouns the article gives a person ("mayor", "alcaldesa"), so that "the mayor"
        later finds them.
    """

    name: str
    source: Source
    gender: str | None = None
    roles: set[str] = field(default_factory=set)

    @property
    def words(self) -> list[str]:
        return name_words(self.name)

    @property
    def label(self) -> str | None:
        """What a quotation's speaker is called: a name, never a description."""
        if self.source in (Source.PERSON, Source.ORGANISATION):
            return self.name
        return None


def strip_titles(text: str) -> tuple[str, str | None, set[str]]:
    """A name without the titles and role words before it, the gender an honorific gives,
    and the role words ("Republican state Rep. Douglas Fairweather" -> "Douglas Fairweather")."""
    words = text.split()
    gender = None
    roles: set[str] = set()
    # "Ukrainian President Volodymyr Zelenskyy": everything up to the last title goes.
    titled = [
        i
        for i, word in enumerate(words[:-1])
        if fold(word) in HONORIFICS or fold(word).rstrip(".") in TITLES
    ]
    if titled:
        for word in words[: titled[-1] + 1]:
            if fold(word) in HONORIFICS:
                gender = HONORIFICS[fold(word)]
            elif word[:1].islower() or fold(word).rstrip(".") in TITLES:
                roles.add(fold(word).rstrip("."))
        words = words[titled[-1] + 1 :]
    while len(words) > 1:
        key = words[0].casefold()
        if key in HONORIFICS:
            gender = HONORIFICS[key]
        elif key in TITLES or key.rstrip(".") in TITLES:
            roles.add(key.rstrip("."))
        elif words[0][0].islower() and fold(words[0]) not in PARTICLES:
            roles.add(fold(words[0]))
        else:
            break
        words = words[1:]
    return " ".join(words), gender, roles


def is_organisation_name(name: str) -> bool:
    found = name_words(name)
    return bool(found) and (found[-1] in ORG_HEADS or found[0] in ORG_HEADS)


def is_place_name(name: str) -> bool:
    found = name_words(name)
    return bool(found) and found[-1] in PLACE_HEADS


class Registry:
    """The entities of one article, in the order they were first met, with every mention.

    ``resolve_name`` finds the person a short form means (the surname, the first name, a
    surname with its particle) among those named so far, preferring the one mentioned last
    when two share it; a form nobody has yet is a new person.
    """

    def __init__(self) -> None:
        self.entities: list[Entity] = []
        self.last_seen: dict[int, int] = {}  # id(entity) -> position of its last mention

    def touch(self, entity: Entity, position: int) -> Entity:
        if all(e is not entity for e in self.entities):
            self.entities.append(entity)
        self.last_seen[id(entity)] = position
        return entity

    def people(self) -> list[Entity]:
        return [e for e in self.entities if e.source is Source.PERSON]

    def organisations(self) -> list[Entity]:
        return [e for e in self.entities if e.source is Source.ORGANISATION]

    def find(self, name: str, source: Source | None = None) -> Entity | None:
        """The entity a (short) name means, or None when nobody has it."""
        wanted = [w for w in name_words(name) if w]
        if not wanted:
            return None
        candidates = []
        for entity in self.entities:
            if source is not None and entity.source is not source:
                continue
            if entity.source not in (Source.PERSON, Source.ORGANISATION):
                continue
            have = entity.words
            if _contains(have, wanted) and any(w not in PARTICLES for w in wanted):
                candidates.append(entity)
        if not candidates:
            return None
        exact = [e for e in candidates if e.words == wanted]
        if exact:
            return exact[0]
        return max(candidates, key=lambda e: self.last_seen.get(id(e), -1))

    def person(
        self,
        text: str,
        position: int,
        *,
        introduce: bool = True,
        roles: set[str] | None = None,
        gender: str | None = None,
    ) -> Entity | None:
        """The person a name (with any titles before it) means; a new person when
        ``introduce``. ``roles`` and ``gender`` are what the words around it say."""
        bare, titled_gender, title_roles = strip_titles(text)
        gender = gender or titled_gender
        roles = (roles or set()) | title_roles
        if not bare or (fold(bare.split()[0]) in NOT_NAMES and len(bare.split()) == 1):
            return None
        found = self.find(bare, Source.PERSON)
        if found is None:
            if not introduce:
                return None
            found = Entity(bare, Source.PERSON)
        elif len(bare.split()) > len(found.name.split()) and _contains(
            name_words(bare), found.words
        ):
            found.name = bare  # a fuller form of the same name
        if gender and found.gender is None:
            found.gender = gender
        if found.gender is None:
            first = found.name.split()[0]
            if fold(first) not in PARTICLES and len(found.name.split()) > 1:
                found.gender = first_name_gender(first)
        found.roles |= {r for r in roles if r not in HONORIFICS}
        return self.touch(found, position)

    def organisation(self, text: str, position: int) -> Entity:
        bare = re.sub(r"^(?:the|la|le|l['’]|el|les|los|las)\s*", "", text.strip(), flags=re.I)
        found = self.find(bare, Source.ORGANISATION)
        if found is None:
            found = Entity(bare, Source.ORGANISATION)
        return self.touch(found, position)

    def by_role(self, noun: str) -> Entity | None:
        """The person the article gave this role ("the mayor"), last mentioned first."""
        noun = fold(noun)
        having = [e for e in self.people() if noun in e.roles]
        if not having:
            return None
        return max(having, key=lambda e: self.last_seen.get(id(e), -1))

    def organisation_for(self, noun: str) -> Entity | None:
        """The organisation a generic noun refers back to ("the company", "the council"), by
        its name or by what the article called it ("l'association Lumières du Port")."""
        heads = ORG_NOUNS.get(fold(noun))
        if not heads:
            return None
        having = [
            e
            for e in self.organisations()
            if (set(e.words) & heads and len(e.words) > 1) or fold(noun) in e.roles
        ]
        if not having:
            return None
        return max(having, key=lambda e: self.last_seen.get(id(e), -1))


def _contains(have: list[str], wanted: list[str]) -> bool:
    """Whether ``wanted`` is a run of words in ``have``."""
    size = len(wanted)
    return any(have[i : i + size] == wanted for i in range(len(have) - size + 1))
