"""Input of the JSON API, validated by pydantic (table models skip validation)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TokenRequest(_Input):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class TicketRequest(_Input):
    service: str = Field(min_length=1, max_length=40, description="The service's code")
    lang: Literal["fi", "sv", "en"] = Field("fi", description="Language of the ticket")
    print: bool = Field(False, description="Print the ticket on the site's printer")


class OpenCounterRequest(_Input):
    services: list[str] = Field(min_length=1, max_length=50, description="Codes of the services")
