"""Messy demo text: what real posts hold besides clean item mentions (params `demo.*_rate`).

The clean text model (fashion.demo.captions) never uses an ontology word by accident; real text
does. This module adds, each from its own random stream keyed by the post (so the rest of the demo
world stays as it was):

* posts without an outfit (food, travel, hair, birthdays; ``no_outfit_rate``): their caption and
  comments name no item and no brand, and their annotation has no item;
* everyday chatter using words that are brand or item names in their ordinary sense ("guess what",
  "my coach", "see you next week", "mind the gap", "mango smoothie", "on top of the world") and
  generic words that are part of brand names ("new look", "so happy, socks"), in captions and
  comments (``everyday_rate``);
* negations of items that are not in the picture ("not wearing heels today"; ``negation_rate``);
* brands written the way people write them (``brand_name_rate``): the display name with "&" or
  capitals after "from", a lower-case name as the owner's answer to "where is it from?".
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

NO_OUTFIT_CAPTIONS = {
    "en": ("Guess what, we finally booked the trip ✈️", "Happy birthday to my favourite person 🎂",
           "Mango smoothie bowl to start the day 🥭", "See you next week, Lisbon!", "Mind the gap 🚇 London days",
           "Fresh haircut, feeling new ✂️", "Sunday brunch with the girls 🥞", "Orange skies tonight 🌅",
           "My coach says rest days matter too", "Top of the world up here 🏔️", "Coffee first, always ☕",
           "Next stop: the beach 🌊", "Baked my first sourdough!", "Lemon cake for the birthday girl 🍋"),
    "sv": ("Fika med mormor idag ☕", "Grattis på födelsedagen älskade vän 🎂", "Första snön i Stockholm ❄️",
           "Midsommar på landet 🌸", "Ny frisyr idag ✂️", "Helg i skärgården ⛵"),
    "de": ("Sonntagsfrühstück mit Brötchen ☕", "Alles Gute zum Geburtstag 🎂", "Wanderung in den Alpen 🏔️",
           "Neue Haarfarbe! 🧡", "Wochenende am See 🌊"),
    "fr": ("Croissants et café en terrasse 🥐", "Joyeux anniversaire ma belle 🎂", "Coucher de soleil à Biarritz 🌅",
           "Nouvelle coupe ✂️", "Week-end à la campagne 🌿"),
    "es": ("Paella en la playa 🥘", "Feliz cumpleaños mamá 🎂", "Atardecer en Cádiz 🌅", "Nuevo corte de pelo ✂️",
           "Domingo de mercado 🍊"),
    "it": ("Pizza con gli amici 🍕", "Buon compleanno nonna 🎂", "Tramonto sul lago 🌅", "Nuovo taglio di capelli ✂️",
           "Gelato al mango in centro 🍨"),
}
NO_OUTFIT_COMMENTS = ("looks amazing!", "so jealous 😍", "happy birthday!! 🎉", "yum, recipe please", "enjoy!!",
                      "guess who's coming next week 😉", "my coach would be proud", "mind the gap haha",
                      "top notch 👌", "wow", "have fun ✨", "miss you!")
# Everyday words that are brand names (guess, coach, next, gap, mango, boss) or item words in their
# ordinary sense (top, boot, tank, cap) or parts of brand names (new look, happy socks, white stuff).
EVERYDAY_CAPTION = ("Guess what, it finally stopped raining", "See you next week!", "My coach would approve",
                    "Mind the gap 🚇", "Fuelled by a mango smoothie", "On top of the world today",
                    "Loving the new look of the blog", "Boss day at work", "So happy, so sleepy",
                    "Packed the boot for the weekend", "Guess who got the promotion?", "Next stop: coffee")
EVERYDAY_COMMENTS = ("guess what I just bought 😂", "see you next week babe", "my coach would love this",
                     "top notch as always", "mind the gap lol", "mango season 🥭", "like a boss 😎",
                     "the new look suits you", "so happy for you", "next level 🔥", "tank top weather soon?")
NEGATIONS = {
    "en": ("Not wearing {w} today", "No {w} today", "Skipped the {w} today"),
    "sv": ("Inga {w} idag",), "de": ("Heute ohne {w}",), "fr": ("Pas de {w} aujourd'hui",),
    "es": ("Hoy sin {w}",), "it": ("Oggi niente {w}", "Oggi senza {w}"),
}
QUESTION = ("where is the {item} from?", "where did you get the {item}??", "need to know where the {item} is from")
ANSWER = ("@{u} {lower}", "@{u} it's from {lower} 😊", "@{u} {name} ❤️", "@{u} from {name}!")
CAPTION_BRAND = ("{item} from {name}", "{name} {item}", "wearing {name}")


@dataclass(frozen=True)
class MessyRates:
    no_outfit_rate: float = 0.0
    everyday_rate: float = 0.0
    negation_rate: float = 0.0
    brand_name_rate: float = 0.0


def rng_for(seed_key: str, what: str) -> random.Random:
    return random.Random(f"{seed_key}:messy:{what}")


def no_outfit_text(rng: random.Random, lang: str, commenters: Sequence[str], n_comments: int
                   ) -> tuple[str, list[str], list[str]]:
    """(caption, hashtags, comments) of a post without an outfit."""
    captions = NO_OUTFIT_CAPTIONS.get(lang, NO_OUTFIT_CAPTIONS["en"])
    caption = rng.choice(captions)
    hashtags = rng.sample(["travel", "foodie", "weekend", "birthday", "sunset", "hairgoals", "sundayfunday"], 2)
    caption += " " + " ".join("#" + h for h in hashtags)
    comments = [rng.choice(NO_OUTFIT_COMMENTS) for _ in range(n_comments)]
    return caption, hashtags, comments


def everyday_sentence(rng: random.Random) -> str:
    return rng.choice(EVERYDAY_CAPTION)


def everyday_comment(rng: random.Random) -> str:
    return rng.choice(EVERYDAY_COMMENTS)


def negation(rng: random.Random, lang: str, word: str) -> str:
    return rng.choice(NEGATIONS.get(lang, NEGATIONS["en"])).format(w=word)


def brand_exchange(rng: random.Random, item_word: str, name: str, asker: str) -> tuple[str, str]:
    """A "where is it from?" comment and the owner's answer naming the brand as people do."""
    answer = rng.choice(ANSWER).format(u=asker, lower=name.lower(), name=name)
    return rng.choice(QUESTION).format(item=item_word), answer


def caption_brand(rng: random.Random, item_word: str, name: str) -> str:
    return rng.choice(CAPTION_BRAND).format(item=item_word, name=name)
