"""A new client's name from what the channel says of the sender: an e-mail display name
("Petar Petrović", "Petrović, Petar"), a caller's name, or nothing at all. If it is
someone already known under another address, the client page suggests the duplicate
(`clients.matching.suggest_duplicates`)."""

_NAME_LENGTH = 100


def split_name(display_name: str, fallback: str) -> tuple[str, str]:
    """(first, last) from "Petar Petrović", "Petrović, Petar" or nothing at all."""
    name = " ".join(display_name.replace('"', " ").split())
    if "@" in name or not any(c.isalpha() for c in name):
        name = ""
    if "," in name:
        last, _comma, first = name.partition(",")
        return first.strip()[:_NAME_LENGTH], last.strip()[:_NAME_LENGTH]
    if not name:
        return "", fallback[:_NAME_LENGTH]
    first, _space, last = name.rpartition(" ")
    return first[:_NAME_LENGTH], last[:_NAME_LENGTH]
