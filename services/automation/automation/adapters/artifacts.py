"""Failure artifacts of a task (screenshot, Playwright trace, page HTML) on disk under DATA_DIR, capped."""

from __future__ import annotations

import shutil
from pathlib import Path

ARTIFACT_TYPES = {
    "screenshot.png": "image/png",
    "trace.zip": "application/zip",
    "page.html": "text/html; charset=utf-8",
}


class ArtifactStore:
    def __init__(self, root: Path, keep: int = 200) -> None:
        self.root = root
        self.keep = keep

    def folder(self, task_id: str) -> Path:
        path = self.root / task_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, task_id: str, name: str) -> Path | None:
        if name not in ARTIFACT_TYPES:
            return None
        candidate = self.root / task_id / name
        return candidate if candidate.is_file() else None

    def read(self, task_id: str, name: str) -> tuple[bytes, str] | None:
        found = self.path(task_id, name)
        if found is None:
            return None
        return found.read_bytes(), ARTIFACT_TYPES[name]

    def prune(self) -> None:
        """Keep the newest `keep` task folders: failures must not fill the disk over months."""
        if not self.root.exists():
            return
        folders = sorted((p for p in self.root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
        for old in folders[: max(0, len(folders) - self.keep)]:
            shutil.rmtree(old, ignore_errors=True)

    def remove(self, task_id: str) -> None:
        shutil.rmtree(self.root / task_id, ignore_errors=True)
