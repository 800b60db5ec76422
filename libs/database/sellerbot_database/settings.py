"""Database settings fragment: PostgreSQL when DATABASE_URL is set, else SQLite under DATA_DIR."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(default="", description="postgresql://... or sqlite:///...; empty = SQLite")
    data_dir: Path = Field(default=Path(".data"), description="Where embedded data (SQLite, artifacts) lives")

    def url_for(self, service_name: str) -> str:
        """The URL this service uses: the shared DATABASE_URL, or its own SQLite file."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+inloop:///{(self.data_dir / f'{service_name}.db').resolve()}"
