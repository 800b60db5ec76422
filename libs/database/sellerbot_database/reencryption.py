"""Re-encrypting a column of tokens in place after a SECRETS_KEY rotation (each service's `reseal` command):
the table is walked in primary-key order, and each value the service's box re-seals is written back only if
nobody rewrote it meanwhile (compare-and-set: a service that saved it concurrently already used the first key)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import InstrumentedAttribute

BATCH = 200


@dataclass
class ReencryptionReport:
    column: str  # table.column
    rows: int = 0
    rewritten: int = 0
    unreadable: list[str] = field(default_factory=list)  # primary keys of values no configured key opens

    def summary(self) -> str:
        text = (f"{self.column}: {self.rows} read, {self.rewritten} resealed with the first key of SECRETS_KEY, "
                f"{self.rows - self.rewritten - len(self.unreadable)} already were or changed meanwhile")
        if self.unreadable:
            text += f", {len(self.unreadable)} open with no key (ids {self.unreadable[:20]})"
        return text


async def reencrypt_column(
    engine: AsyncEngine, key: InstrumentedAttribute[Any], column: InstrumentedAttribute[Any],
    reseal: Callable[[str], str | None], unreadable: tuple[type[Exception], ...], batch: int = BATCH,
) -> ReencryptionReport:
    """`reseal(token)` gives the token sealed with the first key, None when it already is; it raises one of
    `unreadable` when no key opens it (that row is reported and left as it is)."""
    report = ReencryptionReport(f"{column.class_.__tablename__}.{column.key}")
    after: Any = None
    while True:
        query = select(key, column).where(column.is_not(None), column != "").order_by(key).limit(batch)
        async with engine.connect() as connection:
            rows = (await connection.execute(query if after is None else query.where(key > after))).all()
        if not rows:
            return report
        async with engine.begin() as connection:
            for row_key, token in rows:
                try:
                    resealed = reseal(token)
                except unreadable:
                    report.unreadable.append(str(row_key))
                    continue
                if resealed is None:
                    continue
                done = await connection.execute(update(column.class_).where(key == row_key, column == token)
                                                .values({column.key: resealed}))
                report.rewritten += done.rowcount
        report.rows += len(rows)
        after = rows[-1][0]
