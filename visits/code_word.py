"""hc11: the code word is known to the visitors, the office and the leads, and to nobody else.

It is never printed for the family, never written to the timeline or the audit trail, and never
copied out (CPOMS). This module finds it in what staff type, written as it was agreed or with other
spacing, case or punctuation ("Amber Kestrel", "amberkestrel" for "amber-kestrel"), says what
stands in for a piece of writing that holds it, and suggests one for a new request (`suggest`).
"""

from __future__ import annotations

import re
import secrets

# The words that stand in for a piece of staff writing that holds the code word: the first that
# does not itself contain the code word (a code word could be "record").
WITHHELD = (
    "(not shown: it contained the visit's code word)",
    "(not shown)",
    "-",
    "",
)
# What the form says when a field the family will read holds the code word.
FAMILY_FIELD_ERROR = (
    "This is printed for the family: take the code word out. Only the visitors, the office and the leads may know it."
)


def pattern(code_word: str) -> re.Pattern[str] | None:
    """The code word as a case-blind pattern, whatever spacing or punctuation joins its parts; None
    for a visit without one."""
    word = (code_word or "").strip()
    if not word:
        return None
    parts = re.findall(r"[^\W_]+", word)
    body = r"[\W_]*".join(re.escape(p) for p in parts) if parts else re.escape(word)
    return re.compile(body, re.IGNORECASE)


def contains(text: str, code_word: str) -> bool:
    found = pattern(code_word)
    return bool(found and text and found.search(text))


def withheld(text: str, code_word: str, words: tuple[str, ...] = WITHHELD) -> str:
    """`text` as it is, unless it holds the code word: then the whole piece is left out (a blank in
    a sentence could give the word away) and the first of `words` that does not hold it stands in."""
    found = pattern(code_word)
    if found is None or not found.search(text or ""):
        return text
    return next(w for w in words if not (w and found.search(w)))


# --- suggesting one -------------------------------------------------------------------------------

# Plain words, easy to say and to hear on a poor phone line, inoffensive, each with one usual
# spelling, and unlikely in what staff write about a family (no "dog", "door", "car" or "phone"):
# two of them together are all but never written by chance.
SUGGESTED_WORDS: tuple[str, ...] = (
    "acorn", "almond", "amber", "apricot", "autumn", "badger", "bluebell", "bramble", "buttercup", "canal",
    "candle", "cedar", "cherry", "chestnut", "clover", "comet", "copper", "cowslip", "daisy", "dolphin",
    "falcon", "fern", "foxglove", "harbour", "hazel", "heather", "hedgehog", "honey", "iceberg", "island",
    "ivory", "jasmine", "juniper", "kestrel", "kettle", "kingfisher", "lantern", "lavender", "lemon", "lilac",
    "maple", "marble", "marigold", "meadow", "melon", "mint", "nutmeg", "orchard", "otter", "pebble",
    "pepper", "pine", "planet", "plum", "pocket", "primrose", "puffin", "rainbow", "robin", "saffron",
    "sapphire", "skylark", "snowdrop", "sparrow", "squirrel", "starling", "strawberry", "summit", "thistle",
    "tulip", "velvet", "violet", "walnut", "willow", "winter", "yellow",
)  # fmt: skip


def suggest(avoid: str = "") -> str:
    """hc11: a code word to offer on the booking form: two different words of `SUGGESTED_WORDS`
    chosen with `secrets` (e.g. "otter-lantern"), never one found in `avoid` (what is printed for
    the family: the name and address). The person booking may keep it or agree another."""
    while True:
        first, second = secrets.choice(SUGGESTED_WORDS), secrets.choice(SUGGESTED_WORDS)
        word = f"{first}-{second}"
        if first != second and not contains(avoid, word):
            return word
