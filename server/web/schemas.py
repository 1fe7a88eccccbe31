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
    print: bool = Field(False, description="Queue a print job for the ticket (see print_job in the answer)")
    kiosk: str | None = Field(None, max_length=60,
                              description="The kiosk whose printer prints it; default: the site's first")


class OpenCounterRequest(_Input):
    services: list[str] = Field(min_length=1, max_length=50,
                                description="Codes of the services, in the profile's order")
    weights: dict[str, int] = Field(default_factory=dict,
                                    description="Weight 1–10 per service code (default 1)")
    profile: Literal["fair", "ordered"] = Field("fair", description="How call-next picks (docs/queueing.md)")


class CallTicketRequest(_Input):
    ticket: str = Field(min_length=1, max_length=64, description="Today's number (A042) or the public id")


class WalkInRequest(_Input):
    service: str = Field(min_length=1, max_length=40, description="The service's code")
    lang: Literal["fi", "sv", "en"] = Field("fi", description="The customer's language")


class FinishRequest(_Input):
    outcome: Literal["resolved", "transferred", "service_request", "left"] | None = Field(
        None, description="Required where the service says so")


class TransferRequest(_Input):
    service: str | None = Field(None, min_length=1, max_length=40, description="To this service's queue")
    counter: int | None = Field(None, description="Only this counter (id) may call it")
    expert: int | None = Field(None, description="Only this clerk (staff user id) may call it")
    note: str | None = Field(None, max_length=500, description="For the next clerk (staff only)")


class ParkRequest(_Input):
    note: str | None = Field(None, max_length=500)


class PriorityRequest(_Input):
    priority: Literal[0, 1, 2] = Field(description="0 normal, 1 needs assistance, 2 urgent")


class GuideQuery(BaseModel):
    """The guide's search (GET /api/v1/sites/{site}/guide): its query string. Spaces are kept: a
    query that does not end in one is read as a word still being typed."""

    model_config = ConfigDict(extra="ignore")
    q: str = Field("", max_length=200, description="What the citizen typed")
    lang: Literal["fi", "sv", "en"] = Field("fi", description="The language it is typed in")
    limit: int = Field(8, ge=1, le=20, description="The most matters to answer with")
