"""Captions and comments that read like real fashion posts, generated from the ontology.

Items are named through ontology words only (category/subcategory keywords, their sv/de/fr/es/it
translations, emoji, hashtags built from them), so a text miner can find them; everything
else (chatter, openers, generic hashtags) is checked against the ontology's item words and
never names an item by accident. `TextGenerator` works on plain `random.Random` streams and
precomputed tables, fast enough for `generate_corpus` to produce millions of comments.
"""
from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from fashion.demo.world import World, instagram_id
from fashion.ontology import Ontology

GENERIC_EMOJI = ("❤️", "😍", "🔥", "✨", "💕", "👌", "🙌", "😊", "💯", "🌸", "☀️", "😘", "🖤", "💫")
GENERIC_HASHTAGS = (
    "ootd", "outfitoftheday", "fashionblogger", "ltkunder100", "wiwt", "instafashion", "lookoftheday", "styleinspo",
    "fashion", "style", "whatiwore", "liketkit", "ootdfashion", "fashiongram", "outfitinspo", "streetsnap",
)
LANGUAGE_HASHTAGS = {
    "en": ("fblogger", "styleblogger"), "sv": ("dagensoutfit", "modeblogg", "stilinspo"),
    "de": ("outfitdestages", "modebloggerin", "fashionbloggerde"), "fr": ("tenuedujour", "blogueusemode", "lookdujour"),
    "es": ("lookdeldia", "moda", "modaespaña"), "it": ("lookdelgiorno", "moda", "outfititalia"),
}
LINK_CHARS = "abcdefghijkmnpqrstuvwxyz0123456789"
LINKS = ("http://liketk.it/{code}", "https://liketk.it/{code}", "https://shopstyle.it/l/{code}", "http://rstyle.me/n/{code}")

# Caption templates. {items} = named items joined, {item} = one named item.
OPENERS = {
    "en": ("Sunday vibes", "Today's look", "Weekend mood", "Happy Friday!", "Out and about", "New post!", "Good morning",
           "City walks", "Coffee break", "Hello autumn", "Hello sunshine", "Throwback to this look", "Date night",
           "Brunch time", "Ready for the weekend"),
    "sv": ("Dagens outfit", "Söndagsmys", "God morgon", "Helgkänsla", "Hej hösten", "Fredag!"),
    "de": ("Outfit des Tages", "Sonntagslaune", "Guten Morgen", "Wochenende!", "Hallo Herbst"),
    "fr": ("Tenue du jour", "Dimanche", "Bonjour", "Le week-end", "Bonjour l'automne"),
    "es": ("Look del día", "Domingo", "Buenos días", "Fin de semana", "Hola otoño"),
    "it": ("Look del giorno", "Domenica", "Buongiorno", "Weekend", "Ciao autunno"),
}
ITEM_SENTENCES = {
    "en": ("Wearing {items}", "Loving {items}", "Can't get enough of {items}", "Obsessed with {items}",
           "Paired {items}", "Styled {items} today", "{items} kind of day", "All about {items}",
           "Sooo in love with {items}", "Loooove {items}", "Details: {items}", "Outfit: {items}"),
    "sv": ("Idag bär jag {items}", "Älskar {items}", "Dagens: {items}", "Sååå kär i {items}"),
    "de": ("Heute trage ich {items}", "Ich liebe {items}", "Heute mit {items}", "Verliebt in {items}"),
    "fr": ("Aujourd'hui je porte {items}", "J'adore {items}", "Avec {items}", "Fan de {items}"),
    "es": ("Hoy llevo {items}", "Me encanta {items}", "Con {items}", "Enamorada de {items}"),
    "it": ("Oggi indosso {items}", "Adoro {items}", "Con {items}", "Innamorata di {items}"),
}
POSSESSIVES = {
    "en": ("my new {w}", "my {w}", "this {w}", "the {w}", "my favourite {w}", "a {w}", "{w}"),
    "sv": ("min nya {w}", "min {w}", "{w}"), "de": ("mein neues {w}", "meine {w}", "{w}"),
    "fr": ("ma nouvelle {w}", "mon {w}", "{w}"), "es": ("mi nuevo {w}", "mi {w}", "{w}"),
    "it": ("il mio nuovo {w}", "la mia {w}", "{w}"),
}
JOINERS = {"en": (" and ", " with ", " + ", ", "), "sv": (" och ", " med ", " + "), "de": (" und ", " mit ", " + "),
           "fr": (" et ", " avec ", " + "), "es": (" y ", " con ", " + "), "it": (" e ", " con ", " + ")}
BRAND_PHRASES = ("{p} from @{h}", "{p} by @{h}", "@{h} {p}", "{p} (@{h})", "{p} c/o @{h}")
EXTRAS = {
    "en": ("Feeling very {style} today", "Such a {style} look", "Going for {style} this week", "Have a lovely day!",
           "What do you think?", "Sooo happy with this one", "Swipe for more", "Shop the look via the link in bio",
           "So cozy", "Which one is your favourite?"),
    "sv": ("Ha en fin dag!", "Vad tycker ni?", "Länk i bio"), "de": ("Schönen Tag euch!", "Was meint ihr?", "Link in der Bio"),
    "fr": ("Bonne journée !", "Vous en pensez quoi ?", "Lien dans la bio"), "es": ("¡Feliz día!", "¿Qué os parece?", "Link en la bio"),
    "it": ("Buona giornata!", "Che ne pensate?", "Link in bio"),
}

# Comments.
CHATTER = {
    "en": ("love this 😍", "so pretty!!", "gorgeous ❤️", "sooo cute", "you look amazing", "stunning 🔥", "obsessed!!",
           "need this in my life", "perfect look 👌", "absolutely love it", "wow 😍😍", "beautiful 💕", "love your style",
           "goals 🙌", "this is everything", "so chic", "amazing pic", "yesss", "killing it 🔥", "loooove", "omg 😍",
           "great colours", "such a vibe", "so lovely ✨", "the best", "😍😍😍", "❤️❤️", "🔥🔥🔥", "👏👏", "gorgeous as always",
           "love love love", "you're glowing", "this look tho", "adorable", "great photo!", "pretty pretty", "perfection",
           "what a lovely picture", "fab!", "so good"),
    "sv": ("så fin!! 😍", "älskar detta", "snygg!", "wow 😍", "så snyggt", "fina du ❤️", "grymt"),
    "de": ("so schön 😍", "liebe es!!", "mega", "wow", "toll ❤️", "wunderschön"),
    "fr": ("trop belle 😍", "magnifique", "j'adore ❤️", "canon !!", "sublime"),
    "es": ("qué bonita 😍", "me encanta ❤️", "guapísima", "precioso", "qué guapa"),
    "it": ("bellissima 😍", "stupenda", "che bello ❤️", "adoro", "meravigliosa"),
}
ITEM_COMMENTS = {
    "en": ("love the {item}!", "that {item} 😍", "the {item} is everything", "{item} goals", "need that {item}",
           "obsessed with the {item}", "loooove the {item}", "the {item} 😍😍", "great {item}!", "such a cute {item}"),
    "sv": ("älskar {item}!", "snygg {item} 😍"), "de": ("{item} ist so schön", "tolle {item}!"),
    "fr": ("j'adore {item}", "trop belle {item} 😍"), "es": ("me encanta {item}", "qué {item} tan bonito"),
    "it": ("adoro {item}", "bellissimo {item} 😍"),
}
BRAND_COMMENTS = ("is the {item} from @{h}?", "love @{h} 😍", "@{h} always 🔥", "is that @{h}?", "@{h} is the best")
QUESTIONS = ("where is the {item} from?", "where did you get the {item}?", "where's the {item} from??",
             "link to the {item} pls 🙏", "need to know where the {item} is from!")
ANSWERS_BRAND = ("@{u} it's from @{h} ❤️", "@{u} thank you! it's @{h}", "@{u} @{h} 😊", "@{u} it's {name} 💕")
ANSWERS_OTHER = ("@{u} it's old, sorry! 💕", "@{u} link in bio 😊", "@{u} vintage find ✨", "@{u} thrifted it!")
THANKS = ("@{u} thank you ❤️", "@{u} thanks babe 😘", "@{u} 💕", "@{u} aww thank you!", "@{u} 😘😘")
ELONGATE = {"so": "sooo", "love": "loooove", "cute": "cuuute", "pretty": "prettyyy", "yes": "yesss", "omg": "omggg",
            "good": "gooood", "nice": "niiice", "obsessed": "obsesseddd"}
COLOUR_WORDS = {"turkos": "turquoise", "gray": "grey", "golden": "gold"}
FAN_NAMES = ("anna", "sara", "jess", "kate", "mila", "lou", "fran", "bea", "nina", "tess", "ella", "rosa", "vic", "lena")
FAN_SUFFIXES = ("_k", ".style", "_xo", "loves", "_m", "fashion", "_92", ".b", "inspo", "_lifestyle", "_diary")


@dataclass
class Comment:
    author: str
    text: str
    delay: int                # seconds after the post
    likes: int
    replies: list["Comment"] = field(default_factory=list)


_NON_WORD = re.compile(r"[^\w]")


def _compact(word: str) -> str:
    return _NON_WORD.sub("", word.lower())


def _biased(words: Sequence[str]) -> list[str]:
    """A pool where earlier (commoner) keywords are drawn more often: 4:2:1:1..."""
    out: list[str] = []
    for i, w in enumerate(words[:8]):
        out.extend([w] * max(1, 4 >> i))
    return out


class TextGenerator:
    """Ontology-driven text: item phrases, captions, hashtags and comment threads."""

    def __init__(self, ontology: Ontology):
        self.ontology = ontology
        keyword_owner: dict[str, set[str]] = {}
        for cat in ontology.categories:
            for w in cat.keywords:
                keyword_owner.setdefault(w.lower(), set()).add(cat.key)
        for sub in ontology.subcategories:
            for w in sub.keywords:
                keyword_owner.setdefault(w.lower(), set()).add(sub.parent)
        self.keyword_owner = keyword_owner
        item_words = set(keyword_owner)
        for table in ontology.translations.values():  # foreign words for item words are item words too
            item_words.update(f.lower() for f, en in table.items() if en.lower() in keyword_owner)
        pattern = "|".join(re.escape(w) for w in sorted(item_words, key=len, reverse=True))
        self.item_word_re = re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)

        def clean(words: Sequence[str], owner: str) -> list[str]:
            """Keywords whose words name no other category (so 'denim shirt' is not a shirt word)."""
            good = [w for w in words if all(owner in keyword_owner.get(t, {owner}) for t in w.lower().split())]
            return good or list(words)

        foreign: dict[str, dict[str, list[str]]] = {}  # lang -> English word -> foreign words
        for lang, table in ontology.translations.items():
            for word, english in table.items():
                foreign.setdefault(lang, {}).setdefault(english.lower(), []).append(word)
        self.languages = ("en", *sorted(foreign))

        def pools(words: Sequence[str], fallback: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
            out = {"en": _biased(words)}
            for lang, table in foreign.items():
                found = [f for w in words for f in table.get(w.lower(), ())]
                out[lang] = found or (fallback or {}).get(lang) or out["en"]
            return out

        # Noun pools per language: per subcategory its own words, and per subcategory the category
        # words that fit it (for a watch: "accessory", not the sibling word "glove").
        self.noun_pool: dict[str, dict[str, list[str]]] = {}
        self.generic_pool: dict[str, dict[str, list[str]]] = {}
        for c in ontology.categories:
            self.noun_pool[c.key] = pools(clean(c.keywords, c.key))
            subs = ontology.subcategories_of(c.key)
            for sub in subs:
                siblings = {k.lower() for s in subs if s.key != sub.key for k in s.keywords}
                own = {k.lower() for k in sub.keywords}
                fitting = [w for w in clean(c.keywords, c.key) if w.lower() in own or w.lower() not in siblings]
                self.generic_pool[sub.key] = pools(fitting) if fitting else self.noun_pool[c.key]
        for sub in ontology.subcategories:
            self.noun_pool[sub.key] = pools(clean(sub.keywords, sub.parent), self.generic_pool[sub.key])
        # Attribute value words per group/key, per language.
        self.value_pool = {g: {v.key: pools(v.synonyms[:3]) for v in vals if v.synonyms}
                           for g, vals in ontology.attribute_groups.items()}
        # Style words that are not item words ('jogger' is a sporty keyword but names trousers).
        self.style_words = {s.key: [w for w in s.keywords[:6] if not self.item_word_re.fullmatch(w)][:4] or [s.key]
                            for s in ontology.styles}
        self.brand_handle: dict[str, str] = {}
        self.brand_name: dict[str, str] = {}
        for b in ontology.brands:
            compact = [a for a in b.aliases if re.fullmatch(r"[a-z0-9_.]+", a)]
            handle = compact[0] if compact else _compact(b.name)
            if handle and ontology.resolve_brand(handle) == b.key:
                self.brand_handle[b.key] = handle
            self.brand_name[b.key] = b.name
        # Emoji naming one subcategory, or one category through its main words.
        self.item_emoji: dict[str, list[str]] = {}
        for emo, words in ontology.emoji.items():
            owners = set().union(*(keyword_owner.get(w.lower(), set()) for w in words)) if words else set()
            if len(owners) != 1:
                continue
            owner = next(iter(owners))
            lowered = {w.lower() for w in words}
            for sub in ontology.subcategories_of(owner):
                if lowered & {k.lower() for k in sub.keywords}:
                    self.item_emoji.setdefault(sub.key, []).append(emo)
            main = {k.lower() for k in ontology.categories[self._cat_pos(owner)].keywords[:2]}
            if lowered & main:
                self.item_emoji.setdefault(owner, []).append(emo)
        self.chatter = {lang: self._variants(self._clean_templates(t)) for lang, t in CHATTER.items()}
        self.item_comments = {lang: self._clean_templates(t) for lang, t in ITEM_COMMENTS.items()}
        self.openers = {lang: self._clean_templates(t) for lang, t in OPENERS.items()}
        self.sentences = {lang: self._variants(self._clean_templates(t), emoji=False) for lang, t in ITEM_SENTENCES.items()}
        self.extras = {lang: self._clean_templates(t) for lang, t in EXTRAS.items()}
        self.generic_hashtags = self._clean_templates(GENERIC_HASHTAGS)
        self.language_hashtags = {lang: self._clean_templates(t) for lang, t in LANGUAGE_HASHTAGS.items()}

    def _cat_pos(self, key: str) -> int:
        return self.ontology.category_keys().index(key)

    def _clean_templates(self, templates: Sequence[str]) -> list[str]:
        """Templates with no item word in them (whatever the ontology's keywords are)."""
        return [t for t in templates if not self.item_word_re.search(t.replace("{", " ").replace("}", " "))]

    @staticmethod
    def _variants(templates: Sequence[str], emoji: bool = True) -> list[str]:
        """Templates plus elongated ("sooo", "loooove") and emoji-tailed variants."""
        out = list(templates)
        for t in templates:
            long = " ".join(ELONGATE.get(w.lower(), w) for w in t.split(" "))
            if long != t:
                out.append(long)
            if emoji:
                out.extend(f"{t} {e}" for e in GENERIC_EMOJI[:4])
        return out

    def names_item(self, text: str) -> bool:
        """Does the text contain any item word (keyword, subcategory word or its translation)?"""
        return bool(self.item_word_re.search(text))

    # ------------------------------------------------------------------ item phrases
    def noun(self, rng: random.Random, category: str, subcategory: str | None, lang: str) -> str:
        """A word for the item: subcategory or category keyword, translated most of the time."""
        if subcategory:
            pools = self.noun_pool[subcategory] if rng.random() < 0.5 else self.generic_pool[subcategory]
        else:
            pools = self.noun_pool[category]
        pool = pools.get(lang, pools["en"]) if lang != "en" and rng.random() < 0.8 else pools["en"]
        return pool[int(rng.random() * len(pool))]

    def _value_word(self, rng: random.Random, group: str, key: str, lang: str) -> str | None:
        pools = self.value_pool.get(group, {}).get(key)
        if not pools:
            return None
        pool = pools.get(lang, pools["en"]) if lang != "en" and rng.random() < 0.7 else pools["en"]
        return pool[int(rng.random() * len(pool))]

    def item_phrase(self, rng: random.Random, item, lang: str) -> tuple[str, list[str]]:
        """(phrase naming the item, hashtags for it). `item` needs category, subcategory,
        attributes (group -> value keys), brand and colour."""
        rand = rng.random
        noun = self.noun(rng, item.category, item.subcategory, lang)
        attrs = item.attributes
        adjectives = []
        pattern = attrs.get("pattern")
        pat_word = self._value_word(rng, "pattern", pattern[0], lang) if pattern and pattern[0] != "plain" and rand() < 0.35 else None
        if pat_word:
            adjectives.append(pat_word)
        if lang == "en" and rand() < 0.15:
            adjectives.append(COLOUR_WORDS.get(item.colour, item.colour))
        material = attrs.get("material")
        mat_word = self._value_word(rng, "material", material[0], lang) if material and rand() < 0.4 else None
        if mat_word:
            adjectives.append(mat_word)
        if rand() < 0.25:
            for group in ("length", "collar", "heel_height", "heel_type"):
                if group in attrs:
                    word = self._value_word(rng, group, attrs[group][0], "en")
                    if word:
                        adjectives.append(word)
                    break
        lowered = noun.lower()
        core = " ".join([a for a in adjectives if a.lower() not in lowered] + [noun])
        possessives = POSSESSIVES.get(lang, POSSESSIVES["en"])
        phrase = possessives[int(rand() * len(possessives))].format(w=core)
        handle = self.brand_handle.get(item.brand) if item.brand else None
        if handle and rand() < 0.55:
            phrase = BRAND_PHRASES[int(rand() * len(BRAND_PHRASES))].format(p=phrase, h=handle)
        emoji = self.item_emoji.get(item.subcategory) or self.item_emoji.get(item.category)
        if emoji and rand() < 0.3:
            phrase += " " + emoji[int(rand() * len(emoji))]
        tags = []
        if rand() < 0.5:
            tags.append(_compact(noun))
        if mat_word and rand() < 0.6:
            tags.append(_compact(mat_word + noun))  # woolcoat, leatherjacket
        elif pat_word and rand() < 0.4:
            tags.append(_compact(pat_word + noun))
        if handle and rand() < 0.35:
            tags.append(_compact(handle))
        return phrase, [t for t in tags if t]

    # ------------------------------------------------------------------ captions
    def caption(self, rng: random.Random, named_items: Sequence, lang: str, styles: Sequence[str],
                friends: Sequence[str] = ()) -> tuple[str, list[str]]:
        """(caption text with hashtags, hashtags without '#', in order). Every named item is named."""
        rand = rng.random
        lang = lang if lang in self.sentences else "en"
        sentences = []
        if rand() < 0.8:
            opener = self.openers[lang][int(rand() * len(self.openers[lang]))]
            sentences.append(opener + (" " + GENERIC_EMOJI[int(rand() * len(GENERIC_EMOJI))] if rand() < 0.5 else ""))
        hashtags: list[str] = []
        phrases = []
        for item in named_items:
            phrase, tags = self.item_phrase(rng, item, lang)
            phrases.append(phrase)
            hashtags.extend(tags)
        if len(phrases) > 1:
            rng.shuffle(phrases)
        templates, joiners = self.sentences[lang], JOINERS[lang]
        i = 0
        while i < len(phrases):  # one or two items per sentence
            take = 1 if rand() < 0.34 else 2
            joined = joiners[int(rand() * len(joiners))].join(phrases[i:i + take])
            i += take
            sentences.append(templates[int(rand() * len(templates))].format(items=joined)
                             + (" " + GENERIC_EMOJI[int(rand() * len(GENERIC_EMOJI))] if rand() < 0.4 else ""))
        if rand() < 0.35:
            extra = self.extras[lang][int(rand() * len(self.extras[lang]))]
            if "{style}" in extra:
                extra = extra.format(style=rng.choice(self.style_words[styles[0]])) if styles else ""
            if extra:
                sentences.append(extra)
        if friends and rand() < 0.1:
            sentences.append(f"📸 @{friends[int(rand() * len(friends))]}")
        if rand() < 0.3:
            code = "".join(LINK_CHARS[int(rand() * len(LINK_CHARS))] for _ in range(6))
            sentences.append(LINKS[int(rand() * len(LINKS))].format(code=code))
        for style in styles:
            if rand() < 0.5:
                word = _compact(rng.choice(self.style_words[style]))
                hashtags.append(word if "style" in word or rand() < 0.5 else word + "style")
        generic = self.generic_hashtags
        for _ in range(2 + int(rand() * 4)):  # duplicates are dropped below
            hashtags.append(generic[int(rand() * len(generic))])
        if lang != "en" or rand() < 0.2:
            own = self.language_hashtags[lang]
            hashtags.append(own[int(rand() * len(own))])
        hashtags = list(dict.fromkeys(hashtags))
        text = " ".join(sentences)
        if hashtags:
            tail = " ".join("#" + h for h in hashtags)
            text = (text + ("\n.\n.\n" if rand() < 0.5 else " ") + tail) if text else tail
        return text, hashtags

    # ------------------------------------------------------------------ comments
    def comment_lines(self, rng: random.Random, named_items: Sequence, lang: str, owner: str,
                      commenters: Sequence[str], n: int) -> list[tuple[str, str, str | None]]:
        """`n` top-level comments, oldest first, as (author, text, owner's reply or None).

        Mostly chatter; some name an item, tag its brand or ask where it is from (the owner
        answers with the brand). Only named items (visible-and-named or phantom) are mentioned.
        """
        rand = rng.random
        refs = []  # per named item: (English noun, noun in the post language, handle, brand name)
        for item in named_items:
            handle = self.brand_handle.get(item.brand) if item.brand else None
            refs.append((self.noun(rng, item.category, item.subcategory, "en"),
                         self.noun(rng, item.category, item.subcategory, lang),
                         handle, self.brand_name.get(item.brand, "") if item.brand else ""))
        en_chatter, en_items = self.chatter["en"], self.item_comments["en"]
        own_chatter = self.chatter.get(lang, en_chatter)
        own_items = self.item_comments.get(lang, en_items)
        foreign = lang != "en"
        n_commenters, n_thanks = len(commenters), len(THANKS)
        out = []
        for _ in range(n):
            author = commenters[int(rand() * n_commenters)]
            local = foreign and rand() < 0.5
            r = rand()
            reply = None
            if not refs or r < 0.62:
                pool = own_chatter if local else en_chatter
                text = pool[int(rand() * len(pool))]
                if rand() < 0.25:
                    reply = THANKS[int(rand() * n_thanks)].replace("{u}", author)
            else:
                en_noun, local_noun, handle, name = refs[int(rand() * len(refs))]
                if r < 0.82:
                    pool = own_items if local else en_items
                    text = pool[int(rand() * len(pool))].format(item=local_noun if local else en_noun)
                    if rand() < 0.2:
                        reply = THANKS[int(rand() * n_thanks)].replace("{u}", author)
                elif r < 0.9 and handle:
                    text = BRAND_COMMENTS[int(rand() * len(BRAND_COMMENTS))].format(item=en_noun, h=handle)
                else:
                    text = QUESTIONS[int(rand() * len(QUESTIONS))].format(item=en_noun)
                    if handle:
                        reply = ANSWERS_BRAND[int(rand() * len(ANSWERS_BRAND))].format(u=author, h=handle, name=name)
                    else:
                        reply = ANSWERS_OTHER[int(rand() * len(ANSWERS_OTHER))].format(u=author)
            out.append((author, text, reply))
        return out

    def comment_thread(self, rng: random.Random, named_items: Sequence, lang: str, owner: str,
                       commenters: Sequence[str], n: int) -> list[Comment]:
        """Like `comment_lines`, with delays (seconds after the post) and like counts."""
        out: list[Comment] = []
        delay = 0
        for author, text, reply in self.comment_lines(rng, named_items, lang, owner, commenters, n):
            delay += int(rng.expovariate(1 / 3600.0)) + 30
            comment = Comment(author, text, delay, int(rng.expovariate(0.5)))
            if reply is not None:
                comment.replies.append(Comment(owner, reply, delay + 60 + int(rng.expovariate(1 / 7200.0)),
                                               int(rng.expovariate(1.0))))
            out.append(comment)
        return out


def fan_names(seed: int, n: int = 60) -> list[str]:
    rng = random.Random(f"{seed}:fans")
    names: list[str] = []
    while len(names) < n:
        name = rng.choice(FAN_NAMES) + rng.choice(FAN_SUFFIXES) + (str(rng.randint(1, 99)) if rng.random() < 0.4 else "")
        if name not in names:
            names.append(name)
    return names


def poisson(rng: random.Random, mean: float) -> int:
    """Poisson sample (normal approximation above 30 keeps it O(1))."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, int(rng.gauss(mean, math.sqrt(mean)) + 0.5))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def generate_corpus(n_posts: int, comments_per_post: float, seed: int, ontology: Ontology,
                    accounts: int = 20, unnamed_item_rate: float = 0.25,
                    phantom_item_rate: float = 0.15) -> Iterator[dict]:
    """Text-only posts for benchmarks: {post_id, account, caption, hashtags, comments: [str]}.

    Same world and text model as the demo dump (outfits from the real priors), without images.
    Comments are flattened (owner replies follow their comment).
    """
    world = World(ontology, seed)
    people = world.accounts(accounts)
    gen = TextGenerator(ontology)
    fans = fan_names(seed) + [a.username for a in people]
    rng = random.Random(f"{seed}:corpus")
    clock = 1483228800  # 2017-01-01, advances per post
    for number in range(n_posts):
        account = people[int(rng.random() * len(people))]
        clock += 1 + int(rng.random() * 600)
        month = 1 + (clock // 2629800) % 12
        items = world.sample_outfit(rng, account, month)
        named = [it for it in items if rng.random() >= unnamed_item_rate]
        named += world.phantom_items(rng, account, items, phantom_item_rate, month)
        lang = account.language if rng.random() < 0.75 else "en"
        caption, hashtags = gen.caption(rng, named, lang, account.styles)
        comments: list[str] = []
        for _, text, reply in gen.comment_lines(rng, named, lang, account.username, fans, poisson(rng, comments_per_post)):
            comments.append(text)
            if reply is not None:
                comments.append(reply)
        yield {"post_id": instagram_id(clock, account.index + 1, number), "account": account.username,
               "caption": caption, "hashtags": hashtags, "comments": comments}
