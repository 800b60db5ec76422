"""The place a buyer asks the shipping to ("qual o prazo pra recife?", "e pra rj?") and the line of the shop's
shipping policy that covers it ("Nordeste: 5 a 9 dias úteis"), so the answer is that line, not the whole policy."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatbot.domain.text import fold

# state: (abbreviation, name, capital, region)
_STATES = (
    ("ac", "acre", "rio branco", "norte"), ("al", "alagoas", "maceio", "nordeste"),
    ("ap", "amapa", "macapa", "norte"), ("am", "amazonas", "manaus", "norte"),
    ("ba", "bahia", "salvador", "nordeste"), ("ce", "ceara", "fortaleza", "nordeste"),
    ("df", "distrito federal", "brasilia", "centro oeste"), ("es", "espirito santo", "vitoria", "sudeste"),
    ("go", "goias", "goiania", "centro oeste"), ("ma", "maranhao", "sao luis", "nordeste"),
    ("mt", "mato grosso", "cuiaba", "centro oeste"), ("ms", "mato grosso do sul", "campo grande", "centro oeste"),
    ("mg", "minas gerais", "belo horizonte", "sudeste"), ("pa", "para", "belem", "norte"),
    ("pb", "paraiba", "joao pessoa", "nordeste"), ("pr", "parana", "curitiba", "sul"),
    ("pe", "pernambuco", "recife", "nordeste"), ("pi", "piaui", "teresina", "nordeste"),
    ("rj", "rio de janeiro", "rio", "sudeste"), ("rn", "rio grande do norte", "natal", "nordeste"),
    ("rs", "rio grande do sul", "porto alegre", "sul"), ("ro", "rondonia", "porto velho", "norte"),
    ("rr", "roraima", "boa vista", "norte"), ("sc", "santa catarina", "florianopolis", "sul"),
    ("sp", "sao paulo", "sao paulo", "sudeste"), ("se", "sergipe", "aracaju", "nordeste"),
    ("to", "tocantins", "palmas", "norte"),
)
_REGIONS = ("norte", "nordeste", "sul", "sudeste", "centro oeste")
_TO = r"(?:pra|pro|para|p/|pa|em|no|na|ate)"
_ABBREVIATIONS = {s[0] for s in _STATES}
_OTHERS = re.compile(r"\b(?:demais|outras|outros|restante|resto)\b")


_ACCENTED = {
    "sao paulo": "São Paulo", "goiania": "Goiânia", "belem": "Belém", "maceio": "Maceió", "macapa": "Macapá",
    "cuiaba": "Cuiabá", "florianopolis": "Florianópolis", "vitoria": "Vitória", "sao luis": "São Luís",
    "joao pessoa": "João Pessoa", "brasilia": "Brasília", "amapa": "Amapá", "ceara": "Ceará", "goias": "Goiás",
    "espirito santo": "Espírito Santo", "maranhao": "Maranhão", "para": "Pará", "paraiba": "Paraíba",
    "parana": "Paraná", "piaui": "Piauí", "rondonia": "Rondônia",
}


# States said with an article ("para a Bahia", "para o Ceará"); the others without ("para São Paulo").
_WITH_ARTICLE = {
    "bahia": "a", "paraiba": "a", "ceara": "o", "para": "o", "parana": "o", "piaui": "o", "amazonas": "o",
    "acre": "o", "amapa": "o", "maranhao": "o", "rio grande do sul": "o", "rio grande do norte": "o",
    "espirito santo": "o", "mato grosso": "o", "mato grosso do sul": "o", "tocantins": "o", "distrito federal": "o",
}


@dataclass(frozen=True)
class Place:
    said: str  # as the buyer wrote it, for the reply ("Recife", "RJ")
    names: tuple[str, ...]  # what a policy line may call it: the city, the state, its abbreviation, its region
    capital: bool  # a state's capital (or the state named by its abbreviation/name: its capital is likeliest)


def place_in(text: str) -> Place | None:
    """The Brazilian place named after "pra/para/em…" (a state's abbreviation only there), or by a city or
    state's full name anywhere."""
    folded = fold(text).replace("?", " ").replace("!", " ").replace(",", " ")
    folded = re.sub(r"\b(?:bh|beaga)\b", "belo horizonte", folded)
    folded = re.sub(r"\bsampa\b", "sao paulo", re.sub(r"\bpoa\b", "porto alegre", folded))
    folded = re.sub(r"\bfloripa\b", "florianopolis", folded)
    for abbreviation, name, capital, region in sorted(_STATES, key=lambda s: -len(s[1])):
        for spoken, is_capital in ((capital, True), (name, capital == name)):
            pattern = rf"\b{_TO}\s+{re.escape(spoken)}\b" if spoken in ("rio", "para", "natal", "palmas") \
                else rf"\b{re.escape(spoken)}\b"
            if re.search(pattern, folded):
                said = "Rio de Janeiro" if spoken == "rio" else _ACCENTED.get(spoken, spoken.title())
                if spoken in _WITH_ARTICLE and spoken == name:
                    said = f"{_WITH_ARTICLE[spoken]} {said}"
                return Place(said.replace(" De ", " de ").replace(" Do ", " do "),
                             (spoken, name, abbreviation, region), is_capital)
    for match in re.finditer(rf"\b{_TO}\s+(?:o\s+|a\s+)?([a-z]{{2}})\b", folded):
        if match.group(1) in _ABBREVIATIONS:
            _, name, capital, region = next(s for s in _STATES if s[0] == match.group(1))
            return Place(match.group(1).upper(), (match.group(1), name, capital, region), False)
    for region in _REGIONS:
        if re.search(rf"\b{_TO}\s+(?:o\s+)?{region}\b", folded):
            return Place("o " + region.title().replace(" ", "-"), (region,), False)
    return None


def is_place_follow_up(text: str) -> bool:
    """"e pra sp?", "e para recife?", "pra manaus?": a place alone, the shipping asked again for it."""
    folded = fold(text).strip(" ?!.")
    # The cheap shape first: most messages are not "pra <lugar>" and never pay for the place look-up.
    return bool(re.fullmatch(rf"(?:e\s+)?{_TO}\s+\S+(?:\s+\S+){{0,3}}", folded)) and place_in(text) is not None


def line_for(policy: str, place: Place) -> str:
    """The policy's clause for the place ("Nordeste: 5 a 9 dias úteis", else its "demais regiões" clause) with
    the policy's sentences that name no place (free shipping), or "" when the policy has no per-place lines."""
    clauses = [c.strip() for c in re.split(r"(?<=[.;])\s+", policy.strip()) if c.strip()]
    folded = [fold(c) for c in clauses]
    if not any(_names_region(f) for f in folded):
        return ""
    chosen = next((i for i, f in enumerate(folded) if any(_named(n, f) for n in place.names)), None)
    others = next((i for i, f in enumerate(folded) if _OTHERS.search(f)), None)
    lines = [chosen] if chosen is not None else [others] if others is not None else []
    if chosen is not None and "capita" in folded[chosen] and not place.capital and others is not None:
        lines.append(others)  # "pra rj?": the capital's line and the rest of the state's
    if not lines:
        return ""
    rest = [c.rstrip(";").rstrip(".") + "." for i, c in enumerate(clauses)
            if i not in lines and not _names_region(folded[i]) and not _OTHERS.search(folded[i])
            and "todo o brasil" not in folded[i]]
    return " ".join([_worded(place, [clauses[i].rstrip(";.") for i in lines]), *rest])


def _worded(place: Place, lines: list[str]) -> str:
    """"Para Recife, o prazo é de 5 a 9 dias úteis (Nordeste)." from "Nordeste: 5 a 9 dias úteis"."""
    parts = [re.match(r"(.+?)(?::\s*|,\s*(?=de\s+\d))((?:de\s+)?\d.*)$", line) for line in lines]
    if len(lines) == 1 and parts[0]:
        label, deadline = parts[0].group(1), parts[0].group(2).removeprefix("de ")
        return f"Para {place.said}, o prazo é de {deadline} ({_lower_common(label)})."
    if len(lines) == 1:
        return lines[0][0].upper() + lines[0][1:] + "."
    return f"Para {place.said}: " + "; ".join(_lower_common(line).replace(": ", ", ") for line in lines) + "."


def _lower_common(label: str) -> str:
    """"Demais regiões" and "Capitais do Sudeste" inside a sentence; "Nordeste" stays a name."""
    first = label.split()[0] if label.split() else ""
    return label[0].lower() + label[1:] if fold(first) in ("demais", "capitais", "outras", "outros") else label


def _names_region(folded: str) -> bool:
    return any(_named(r, folded) for r in _REGIONS) or any(
        _named(n, folded) for s in _STATES for n in (s[1], s[2]) if len(n) > 4) or "capita" in folded


def _named(name: str, folded: str) -> bool:
    return bool(re.search(rf"\b{re.escape(name)}\b", folded))
