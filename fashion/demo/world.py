"""The demo world: accounts with their own tastes, and posts showing outfits whose categories
follow the authors' real label priors and co-occurrences (fashion.demo.priors).

All sampling uses `random.Random` streams keyed by strings (seed, account, post number), so a
post does not change when another one does, and a seed fixes the whole world.
"""
from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from itertools import accumulate
from datetime import datetime, timezone
from typing import Sequence

from fashion.demo import silhouettes as geo
from fashion.demo import looks, priors, wardrobe
from fashion.demo import textures as tx
from fashion.ontology import Ontology

LANGUAGES: tuple[str, ...] = ("en", "sv", "de", "fr", "es", "it")
INSTAGRAM_EPOCH_MS = 1314220021721  # Instagram's id epoch (2011-08-24)
SHORTCODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_ITEMS_CUM = list(accumulate(priors.ITEMS_PER_POST))[:-1]  # thresholds for 2, 3, 4 items
WORLD_START = int(datetime(2016, 9, 1, tzinfo=timezone.utc).timestamp())


@dataclass(frozen=True, eq=False)
class Item:
    """One garment or accessory: ontology keys plus how it looks."""

    category: str
    subcategory: str
    kind: str                                # garment kind the renderer draws (fashion.demo.silhouettes)
    attributes: dict[str, tuple[str, ...]]   # group -> value keys, in ontology group order
    brand: str | None
    colour: str
    accent: str
    variant: int  # free visual choices (bag side, hat or cap, pockets)

    def values(self, group: str) -> tuple[str, ...]:
        return self.attributes.get(group, ())

    def look(self) -> geo.Look:
        return looks.look_of(self.category, self.subcategory, self.attributes, self.colour, self.accent, self.variant)

    def colour_name(self) -> str:
        """The annotation tool's Colour value."""
        pattern = self.values("pattern")
        if pattern and tx.pattern_kind(pattern[0]) in wardrobe.MULTICOLOUR_PATTERNS:
            return "multicolor"
        return {"navy": "blue"}.get(self.colour, self.colour)


@dataclass(frozen=True)
class Account:
    index: int
    username: str
    user_id: str
    full_name: str
    language: str                 # main language of captions
    styles: tuple[str, ...]       # style keys, favourite first
    brands: tuple[str, ...]       # brand keys, favourite first
    category_boost: tuple[float, ...]  # multiplier per category (ontology order)
    colours: tuple[str, ...]      # favourite colour names
    skin: int
    hair: int
    hair_long: bool
    location: str | None
    followers: int


@dataclass
class Post:
    account: Account
    number: int          # position within the account (chronological)
    post_id: str
    shortcode: str
    taken_at: int        # unix seconds, UTC
    media: str           # image | carousel | video
    n_images: int        # images in the post (video: 1 thumbnail)
    items: tuple[Item, ...]          # in the picture
    named: tuple[bool, ...]          # per item: does the text name it
    phantoms: tuple[Item, ...]       # named in the text, not in the picture
    styles: tuple[str, ...]
    language: str
    likes: int
    seed_key: str = field(repr=False, default="")


def instagram_id(taken_at: int, shard: int, sequence: int) -> str:
    """An id laid out like Instagram's: milliseconds since its epoch, shard, sequence."""
    return str(((taken_at * 1000 - INSTAGRAM_EPOCH_MS) << 23) | ((shard % 8192) << 10) | (sequence % 1024))


def shortcode(media_id: str) -> str:
    """Instagram's shortcode: the id in base 64 with its URL alphabet."""
    n, out = int(media_id), []
    while n:
        n, r = divmod(n, 64)
        out.append(SHORTCODE_ALPHABET[r])
    return "".join(reversed(out)) or "A"


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(accumulate(max(w, 0.0) for w in weights))


def _pick(rng: random.Random, values: Sequence, cum: Sequence[float]):
    """One of `values` with cumulative weights `cum` (bisect: cheaper than random.choices)."""
    return values[bisect_right(cum, rng.random() * cum[-1])]


@dataclass(frozen=True)
class _Step:
    """How one attribute group of a subcategory is filled in."""

    group: str
    optional: bool
    values: tuple[str, ...]
    cum: tuple[float, ...]


class World:
    """Samples accounts, outfits and posts from an ontology and the prior tables.

    Everything the samplers need is precomputed into flat tables here, because the text-only
    corpus generator draws hundreds of thousands of outfits.
    """

    def __init__(self, ontology: Ontology, seed: int):
        self.ontology = ontology
        self.seed = seed
        self.categories = ontology.category_keys()
        if tuple(self.categories) != priors.CATEGORY_ORDER:
            raise ValueError(f"ontology categories {self.categories} differ from the prior tables' order")
        self.cat_index = {c: i for i, c in enumerate(self.categories)}
        self.prior = [float(x) for x in priors.CATEGORY_PRIOR]
        self.cooc = [[float(x) for x in row] for row in priors.CATEGORY_COOCCURRENCE]
        self.groups = {g: [v.key for v in vals] for g, vals in ontology.attribute_groups.items()}
        self._compatibility_tables()
        self._subcategory_tables()
        self._attribute_plans()
        self.styles = [s.key for s in ontology.styles]
        style_counts: dict[str | None, int] = {}
        for word, n in wardrobe.STYLE_TOP1.items():
            key = ontology.resolve_style(word)
            style_counts[key] = style_counts.get(key, 0) + n
        self.style_weights = [math.sqrt(style_counts.get(s, 0) + 5.0) for s in self.styles]
        self.brands = [b.key for b in ontology.brands]
        # Short, aliased names are the well-known labels bloggers tag most.
        self.brand_weights = [(2.0 if b.aliases else 1.0) * (2.0 if len(b.name.split()) == 1 else 1.0)
                              for b in ontology.brands]
        self._account_cache: dict[tuple, tuple] = {}

    # ------------------------------------------------------------------ tables
    def _compatibility_tables(self) -> None:
        slots = sorted(set(priors.CATEGORY_SLOT.values()) | {"full"})
        self.slot_id = {s: i for i, s in enumerate(slots)}
        self.cat_slot = [self.slot_id[priors.CATEGORY_SLOT[c]] for c in self.categories]
        n = len(slots)
        self.slot_ok = [[a != b and frozenset({slots[a], slots[b]}) not in priors.SLOT_CLASHES for b in range(n)]
                        for a in range(n)]
        self.pair_ok = []
        for a, ca in enumerate(self.categories):
            row = []
            for b, cb in enumerate(self.categories):
                pair = {ca, cb}
                legwear_hidden = "tights_and_socks" in pair and bool(pair & priors.LEGWEAR_HIDDEN_BY)
                row.append(a != b and self.slot_ok[self.cat_slot[a]][self.cat_slot[b]] and not legwear_hidden)
            self.pair_ok.append(row)
        # The same as 0/1 float rows over categories, for multiplying weights.
        self.pair_mask = [[1.0 if ok else 0.0 for ok in row] for row in self.pair_ok]
        self.slot_mask = [[1.0 if self.slot_ok[s][self.cat_slot[j]] else 0.0 for j in range(len(self.categories))]
                          for s in range(n)]
        self.full_slot = self.slot_id["full"]
        self.under_full = {self.slot_id["top"], self.slot_id["knit"]}

    def _subcategory_tables(self) -> None:
        counts: dict[str, float] = {}
        for word, n in priors.SUBCATEGORY_TOP1.items():
            key = self.ontology.resolve_subcategory(word)
            if key:
                counts[key] = counts.get(key, 0.0) + n
        # Per category: (subcategories, cumulative weights) for any outfit, and for outfits that
        # already have a top or knit (no one-piece then).
        # Per season, per category: as above; subcategory weights follow the season too.
        self.sub_tables: dict[str, list[tuple[tuple[tuple[str, ...], list[float]], tuple[tuple[str, ...], list[float]]]]] = {}
        for season in wardrobe.SEASONS:
            factor = wardrobe.SEASON_SUBCATEGORY_FACTOR.get(season, {})
            tables = self.sub_tables[season] = []
            for cat in self.categories:
                subs = [s.key for s in self.ontology.subcategories_of(cat) if s.key not in looks.UNWEARABLE_SUBCATEGORIES]
                if not subs:
                    raise ValueError(f"category {cat} has no wearable subcategory in the ontology")
                # sqrt-flattened so rare kinds still appear in a small demo
                weights = [math.sqrt(counts.get(s, 0.0) + 25.0) * factor.get(s, 1.0) for s in subs]
                separate = [(s, w) for s, w in zip(subs, weights) if looks.kind_of(cat, s) not in geo.FULL_KINDS]
                tables.append(((tuple(subs), _cumulative(weights)),
                               (tuple(s for s, _ in separate), _cumulative([w for _, w in separate]))))
        self.season_category_factor = {
            season: [wardrobe.SEASON_CATEGORY_FACTOR.get(season, {}).get(c, 1.0) for c in self.categories]
            for season in wardrobe.SEASONS
        }

    def _attribute_plans(self) -> None:
        """Per season and subcategory, the steps that fill in its attribute groups (ontology group order)."""
        self.plans: dict[str, dict[str, list[_Step]]] = {season: {} for season in wardrobe.SEASONS}
        for season in wardrobe.SEASONS:
            for cat in self.categories:
                allowed = self.ontology.allowed_groups.get(cat, ())
                for sub in self.ontology.subcategories_of(cat):
                    kind = looks.kind_of(cat, sub.key)
                    steps = []
                    for group, values in self.groups.items():
                        if group not in allowed or not values:
                            continue
                        cands, weights = self._candidates(cat, sub.key, kind, group, season)
                        if cands:
                            steps.append(_Step(group, group not in ("material", "pattern"), tuple(cands),
                                               tuple(_cumulative(weights))))
                    self.plans[season][sub.key] = steps
        self.pattern_values = self.groups.get("pattern", [])

    def _candidates(self, cat: str, sub: str, kind: str, group: str, season: str) -> tuple[list[str], list[float]]:
        values = self.groups[group]
        known = set(values)

        def keep(cands, weights=None):
            pairs = [(c, w) for c, w in zip(cands, weights or [1.0] * len(cands)) if c in known and w > 0]
            return [c for c, _ in pairs], [w for _, w in pairs]

        if group == "material":
            named = [m for m in values if m in sub.split("_")]  # leather_jacket -> leather
            if named:
                return [named[0]], [1.0]
            table = priors.MATERIAL_WEIGHTS.get(cat, {})
            weights = [table.get(m, 0.0 if m in priors.METAL_MATERIALS else priors.FALLBACK_MATERIAL_WEIGHT) for m in values]
            if sub in priors.METAL_SUBCATEGORIES:
                weights = [w + (6.0 if m in priors.METAL_MATERIALS else 0.0) for m, w in zip(values, weights)]
            seasonal = wardrobe.SEASON_MATERIAL_FACTOR.get(season, {})
            return keep(values, [w * seasonal.get(m, 1.0) for m, w in zip(values, weights)])
        if group == "pattern":  # account-dependent: drawn in _pattern
            return keep(values)
        if group == "collar":
            return keep(wardrobe.COLLARS_BY_KIND.get(kind, values))
        if group == "length":
            return keep(wardrobe.LENGTHS_BY_SUBCATEGORY.get(sub) or wardrobe.LENGTHS_BY_KIND.get(kind, ("normal",)))
        if group in ("heel_type", "heel_height", "toe", "fastener"):
            table = wardrobe.SHOE_VALUES.get(kind, wardrobe.SHOE_VALUES["flats"])
            return keep(table.get(group, values))
        if group == "occasion":
            table = wardrobe.OCCASION_BY_KIND.get(kind, wardrobe.OCCASION_WEIGHTS)
            return keep(list(table), list(table.values()))
        return keep(values)

    def _account_tables(self, account: Account) -> tuple:
        """(prior x boost, boost, pattern cum weights, liked colour cache) of an account."""
        # keyed by tastes too: a drifted account (same username) likes other patterns
        cache_key = (account.username, account.styles)
        cached = self._account_cache.get(cache_key)
        if cached is None:
            liked = {p for s in account.styles for p in priors.STYLE_PATTERNS.get(s, ())}
            pattern_cum = _cumulative([priors.PATTERN_WEIGHTS.get(p, 1.0) * (4.0 if p in liked else 1.0)
                                       for p in self.pattern_values])
            cached = ([p * b for p, b in zip(self.prior, account.category_boost)], account.category_boost, pattern_cum, {})
            self._account_cache[cache_key] = cached
        return cached

    # ------------------------------------------------------------------ accounts
    def accounts(self, n: int) -> list[Account]:
        rng = random.Random(f"{self.seed}:accounts")
        used: set[str] = set()
        out = []
        for i in range(n):
            first = wardrobe.FIRST_NAMES[i % len(wardrobe.FIRST_NAMES)]
            last = rng.choice(wardrobe.LAST_NAMES)
            while True:
                suffix = rng.choice(wardrobe.HANDLE_SUFFIXES)
                sep = rng.choice(("", ".", "_", ""))
                username = f"{first}{sep}{suffix}" if rng.random() < 0.6 else f"{first}{sep}{last.lower()}"
                if i >= len(wardrobe.FIRST_NAMES):
                    username += str(i)
                if username not in used:
                    used.add(username)
                    break
            language = "en" if rng.random() < 0.6 else rng.choice(LANGUAGES[1:])
            styles = self._distinct(rng, self.styles, self.style_weights, 2)
            brands = self._distinct(rng, self.brands, self.brand_weights, rng.randint(3, 6))
            boost = tuple(math.exp(rng.gauss(0.0, 0.45)) for _ in self.categories)
            colours = tuple(rng.sample(wardrobe.PALETTE, 4))
            location = rng.choice(wardrobe.LOCATIONS[language]) if rng.random() < 0.7 else None
            out.append(Account(
                index=i, username=username, user_id=str(rng.randint(10**8, 10**10)),
                full_name=f"{first.capitalize()} {last}", language=language, styles=styles, brands=brands,
                category_boost=boost, colours=colours, skin=rng.randrange(5), hair=rng.randrange(5),
                hair_long=rng.random() < 0.65, location=location, followers=int(10 ** rng.uniform(3.0, 5.5)),
            ))
        return out

    def drifted(self, account: Account) -> Account:
        """The tastes `account` drifts towards: a new favourite style before its first one (the
        second is dropped) and a new favourite brand before its others (the last is dropped).
        Same lengths, so a post drawn with either account makes the same number of draws; its
        own stream, so drift leaves the accounts and every undrifted post as they were."""
        rng = random.Random(f"{self.seed}:drift:{account.username}")
        styles = [(k, w) for k, w in zip(self.styles, self.style_weights) if k not in account.styles]
        brands = [(k, w) for k, w in zip(self.brands, self.brand_weights) if k not in account.brands]
        new_style = self._distinct(rng, [k for k, _ in styles], [w for _, w in styles], 1) if styles else ()
        new_brand = self._distinct(rng, [k for k, _ in brands], [w for _, w in brands], 1) if brands else ()
        return replace(account, styles=(new_style + account.styles)[:len(account.styles)],
                       brands=(new_brand + account.brands)[:len(account.brands)])

    @staticmethod
    def _distinct(rng: random.Random, keys: list[str], weights: list[float], k: int) -> tuple[str, ...]:
        chosen: list[str] = []
        cum = _cumulative(weights)
        while len(chosen) < min(k, len(keys)):
            key = rng.choices(keys, cum_weights=cum)[0]
            if key not in chosen:
                chosen.append(key)
        return tuple(chosen)

    # ------------------------------------------------------------------ outfits
    def sample_outfit(self, rng: random.Random, account: Account, month: int) -> list[Item]:
        """1-4 wearable-together items: first category from the prior, the rest by co-occurrence.

        Items must fit together on one body (one item per slot, no tights under full-length legs,
        no top under a one-piece); the real co-occurrence weights are used among those that fit.
        """
        prior, boost, _, _ = self._account_tables(account)
        season_factor = self.season_category_factor[wardrobe.season_of(month)]
        prior = [p * f for p, f in zip(prior, season_factor)]
        n_items = 1 + bisect_right(_ITEMS_CUM, rng.random())
        items: list[Item] = []
        allowed = [1.0] * len(self.categories)  # 1.0 = may still join the outfit
        cooc_sum = None
        slots: list[int] = []
        weights = prior
        while len(items) < n_items:
            cum = list(accumulate([w * a for w, a in zip(weights, allowed)]))
            if cum[-1] <= 0:
                break
            ci = bisect_right(cum, rng.random() * cum[-1])
            item = self._item(rng, account, ci, month, slots)
            if item is None:
                break
            items.append(item)
            slot = self.full_slot if item.kind in geo.FULL_KINDS else self.cat_slot[ci]
            slots.append(slot)
            allowed = [a * b * c for a, b, c in zip(allowed, self.pair_mask[ci], self.slot_mask[slot])]
            cooc_sum = self.cooc[ci] if cooc_sum is None else [c + x for c, x in zip(cooc_sum, self.cooc[ci])]
            weights = [c * b * f for c, b, f in zip(cooc_sum, boost, season_factor)]
        return items

    def _item(self, rng: random.Random, account: Account, ci: int, month: int, slots: list[int]) -> Item | None:
        category = self.categories[ci]
        no_one_piece = any(s in self.under_full for s in slots)
        subs, cum = self.sub_tables[wardrobe.season_of(month)][ci][1 if no_one_piece else 0]
        if not subs:
            return None
        subcategory = _pick(rng, subs, cum)
        attributes = self._attributes(rng, account, category, subcategory, month)
        length = attributes.get("length")
        kind = looks.kind_of(category, subcategory, length[0] if length else None)
        material = attributes["material"][0] if "material" in attributes else ""
        colour = self._colour(rng, account, material)
        accent = wardrobe.ACCENTS[int(rng.random() * len(wardrobe.ACCENTS))]
        if accent == colour:
            accent = "black" if colour != "black" else "white"
        brand = None
        if account.brands and rng.random() < 0.55:
            brand = account.brands[min(int(rng.expovariate(0.8)), len(account.brands) - 1)]
        return Item(category, subcategory, kind, attributes, brand, colour, accent, int(rng.random() * (1 << 30)))

    def _colour(self, rng: random.Random, account: Account, material: str) -> str:
        cache = self._account_tables(account)[3]
        entry = cache.get(material)
        if entry is None:
            options = tx.finish(material).colours if material else wardrobe.PALETTE
            entry = cache[material] = (options, [c for c in options if c in account.colours])
        options, liked = entry
        if liked and rng.random() < 0.6:
            return liked[int(rng.random() * len(liked))]
        return options[int(rng.random() * len(options))]

    def _attributes(self, rng: random.Random, account: Account, category: str, subcategory: str,
                    month: int) -> dict[str, tuple[str, ...]]:
        chosen: dict[str, tuple[str, ...]] = {}
        season = wardrobe.season_of(month)
        for step in self.plans[season][subcategory]:
            if step.optional and rng.random() >= wardrobe.OPTIONAL_GROUP_RATE:
                continue
            group = step.group
            if group == "pattern":
                value = self._pattern(rng, account, category, chosen)
            elif group == "collection":  # follows the post date
                value = season if season in step.values else _pick(rng, step.values, step.cum)
            elif group == "heel_height" and chosen.get("heel_type") == ("flat",) and "low" in step.values:
                value = "low"
            else:
                value = _pick(rng, step.values, step.cum)
            chosen[group] = (value,)
        return chosen

    def _pattern(self, rng: random.Random, account: Account, category: str, chosen: dict) -> str:
        material = chosen["material"][0] if "material" in chosen else ""
        has_plain = "plain" in self.pattern_values
        if has_plain and material in wardrobe.MOSTLY_PLAIN_MATERIALS and rng.random() < 0.85:
            return "plain"
        if has_plain and category == "shoes" and rng.random() < 0.7:
            return "plain"
        return _pick(rng, self.pattern_values, self._account_tables(account)[2])

    def phantom_items(self, rng: random.Random, account: Account, items: list[Item], rate: float, month: int) -> list[Item]:
        """Items the text will name although they are not in the picture: Binomial(len(items), rate),
        categories absent from the picture, drawn by co-occurrence with the pictured ones."""
        n = sum(rng.random() < rate for _ in items)
        out: list[Item] = []
        if not n:
            return out
        taken = {self.cat_index[it.category] for it in items}
        base = [1.0] * len(self.categories)
        for it in items:
            base = [b + x for b, x in zip(base, self.cooc[self.cat_index[it.category]])]
        for _ in range(n):
            cum = _cumulative([0.0 if j in taken else w for j, w in enumerate(base)])
            if cum[-1] <= 0:
                break
            ci = bisect_right(cum, rng.random() * cum[-1])
            taken.add(ci)
            item = self._item(rng, account, ci, month, [])
            if item is not None:
                out.append(item)
        return out

    # ------------------------------------------------------------------ posts
    def posts(self, accounts: list[Account], n_posts: int, *, video_rate: float, carousel_rate: float,
              unnamed_item_rate: float, phantom_item_rate: float, no_outfit_rate: float = 0.0,
              preference_drift: float = 0.0) -> list[Post]:
        """All posts, grouped by account and chronological within it. A share ``no_outfit_rate``
        shows no outfit (food, travel, hair: fashion.demo.chatter), drawn from its own stream so
        the other posts stay as they were. Tastes drift: post `number` of `count` is drawn with
        the account's drifted tastes (`drifted`) with probability
        ``preference_drift * number / (count - 1)`` (0 at the first post, the full rate at the
        last), decided on its own stream, so the hold-out of the recommender is no copy of the past."""
        rng = random.Random(f"{self.seed}:allocation")
        activity = [rng.gammavariate(2.0, 1.0) for _ in accounts]
        per_account = [1 if n_posts >= len(accounts) else 0 for _ in accounts]
        for _ in range(n_posts - sum(per_account)):
            per_account[rng.choices(range(len(accounts)), weights=activity)[0]] += 1
        out: list[Post] = []
        for account, count in zip(accounts, per_account):
            clock = WORLD_START + int(rng.uniform(0, 200 * 86400))
            later = self.drifted(account) if preference_drift else account
            for number in range(count):
                clock += int(rng.uniform(0.3, 4.0) * 86400)
                tastes = account
                if preference_drift and count > 1:
                    draw = random.Random(f"{self.seed}:post:{account.username}:{number}:drift").random()
                    tastes = later if draw < preference_drift * number / (count - 1) else account
                post = self._post(tastes, number, clock, video_rate, carousel_rate, unnamed_item_rate, phantom_item_rate)
                if no_outfit_rate and random.Random(f"{post.seed_key}:messy:outfit").random() < no_outfit_rate:
                    post = replace(post, items=(), named=(), phantoms=())
                out.append(post)
        return out

    def _post(self, account: Account, number: int, taken_at: int, video_rate: float, carousel_rate: float,
              unnamed_rate: float, phantom_rate: float) -> Post:
        key = f"{self.seed}:post:{account.username}:{number}"
        rng = random.Random(key)
        month = datetime.fromtimestamp(taken_at, tz=timezone.utc).month
        media = "video" if rng.random() < video_rate else ("carousel" if rng.random() < carousel_rate else "image")
        n_images = rng.randint(2, 4) if media == "carousel" else 1
        items = self.sample_outfit(rng, account, month)
        named = tuple(rng.random() >= unnamed_rate for _ in items)
        phantoms = self.phantom_items(rng, account, items, phantom_rate, month)
        styles = tuple(s for s in account.styles if rng.random() < 0.7) or account.styles[:1]
        if account.language == "en":
            language = "en" if rng.random() < 0.92 else rng.choice(LANGUAGES[1:])
        else:
            language = account.language if rng.random() < 0.75 else "en"
        media_id = instagram_id(taken_at, account.index + 1, number)
        return Post(account=account, number=number, post_id=media_id, shortcode=shortcode(media_id), taken_at=taken_at,
                    media=media, n_images=n_images, items=tuple(items), named=named, phantoms=tuple(phantoms),
                    styles=styles, language=language, likes=int(account.followers * rng.uniform(0.01, 0.08)),
                    seed_key=key)
