"""Configuration, read once from the environment (prefix ``LUUKKU_``) or an optional ``.env`` file.

Every setting carries its default and a one-line description, so ``luukku settings`` and the docs
come from the same place.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LUUKKU_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///var/luukku.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    secret_key: str = Field(
        "change-me-in-production",
        description="Signs session cookies and API tokens; set a long random value in production",
    )
    demo: bool = Field(False, description="Demo mode: demo logins work and are printed at start")
    demo_password: str = Field("demo", description="Password of the demo users admin and clerk")
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Address visitors' phones reach the server at (used in ticket QR codes)",
    )
    default_language: Literal["fi", "sv", "en"] = Field("fi", description="Language of a new screen")
    printer_transport: Literal["file", "network"] = Field(
        "file", description="Where tickets print: file (var/prints/) or network (raw TCP 9100)"
    )
    printer_dir: Path = Field(Path("var/prints"), description="Folder of the file transport")
    printer_host: str = Field("127.0.0.1", description="Host of the network printer")
    printer_port: int = Field(9100, description="Port of the network printer")
    printer_profile: str = Field("TM-T88V", description="python-escpos capability profile")
    token_max_age_s: int = Field(8 * 3600, description="Lifetime of an API bearer token, seconds")
    kiosk_return_s: int = Field(8, description="Seconds the kiosk shows a ticket before returning")
    housekeeping_interval_s: float = Field(
        60, description="Seconds between runs of the jobs that close unserved tickets at closing time"
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
