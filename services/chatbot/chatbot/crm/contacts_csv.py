"""Contacts as CSV: the export's columns (written a page at a time) and the import's parsing, checked line by
line so a dry run can report every problem before anything is written."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from chatbot.crm.leads import clean_tags, normalize_phone
from chatbot.domain.funnel import Stage

EXPORT_COLUMNS = ["id", "name", "phone", "stage", "tags", "owner", "score", "opted_out", "identities",
                  "message_count", "first_seen", "last_seen", "notes"]
IMPORT_COLUMNS = {"name", "phone", "tags", "stage", "notes", "owner"}
MAX_IMPORT_ROWS = 50_000


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([[_defused(cell) for cell in row] for row in rows])
    return out.getvalue()


def _defused(cell: str) -> str:
    """A cell starting with = + - @ is a formula to a spreadsheet: quote it (CSV injection)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


@dataclass
class ImportedContact:
    line: int
    name: str
    phone: str
    tags: list[str]
    stage: str
    notes: str
    owner: str


@dataclass
class ParsedImport:
    contacts: list[ImportedContact] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class NotAContactCsv(ValueError):
    pass


def parse_import(data: bytes) -> ParsedImport:
    """`name,phone[,tags,stage,notes,owner]` with a header; `;` or `,`; tags separated by `|`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotAContactCsv("the file is not UTF-8 text") from exc
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text, newline=""),  # the csv module wants newline="" (a lone \r)
                            delimiter=";" if first.count(";") > first.count(",") else ",")
    header = {(h or "").strip().lower() for h in reader.fieldnames or []}
    if not header & {"name", "phone"}:
        raise NotAContactCsv("the header must name a `name` or `phone` column")
    unknown = header - IMPORT_COLUMNS
    if unknown:
        raise NotAContactCsv(f"unknown columns: {', '.join(sorted(unknown))}")
    parsed = ParsedImport()
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            parsed.errors.append(f"line {number}: more than {MAX_IMPORT_ROWS} rows; the rest was not read")
            break
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        problem, contact = _contact(number, row)
        if problem:
            parsed.errors.append(f"line {number}: {problem}")
        elif contact is not None:
            parsed.contacts.append(contact)
    return parsed


def _contact(number: int, row: dict[str, str]) -> tuple[str, ImportedContact | None]:
    name, raw_phone = row.get("name", "")[:200], row.get("phone", "")
    phone = normalize_phone(raw_phone)
    if raw_phone and not phone:
        return f"phone {raw_phone!r} is not a phone number", None
    if not name and not phone:
        return "a name or a phone is required", None
    stage = row.get("stage", "") or Stage.NEW_CONTACT.value
    if stage not in {s.value for s in Stage}:
        return f"stage must be one of {', '.join(s.value for s in Stage)}", None
    tags = clean_tags(row.get("tags", "").replace(";", "|").split("|"))
    return "", ImportedContact(number, name, phone, tags, stage, row.get("notes", "")[:4000],
                               row.get("owner", "")[:64])
