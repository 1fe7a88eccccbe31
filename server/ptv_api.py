"""The Suomi.fi Finnish Service Catalogue's (Palvelutietovaranto, PTV) open API, version 11: an
organisation's services and service channels, read page by page (server/ptv.py takes them into
Luukku's matters and sites).

Built against the published definition in vrk-kpa/ptv-releases, branch ptv-release-3_4 (PTV 3.4,
commit 27723498de3f920d53276d63963f1e71b43777c3): the Swagger document is generated from
src/PTV.Application.OpenApi/Controllers/V11ServiceController.cs and V11ServiceChannelController.cs and
the view models of src/PTV.Domain.Model/Models/OpenApi/. Only what the import reads is declared here;
everything else in an item is ignored, so a newer PTV that adds fields does not break it.

The lists are paged as PTV's PagingHandlerBase does: {"pageNumber", "pageSize", "pageCount",
"itemList"}, 100 items a page, published items only. A page that fails with a 5xx, a 429, a timeout or
a dropped connection is asked again after 1, 2, 4 … s (``backoff_s``), ``retries`` times; then the
import gives up with ``PtvUnavailable`` before anything is written.
"""

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from server.errors import N_, DomainError, Invalid

if TYPE_CHECKING:  # httpx is loaded by fetch(), where it is used, not by every worker at its start
    import httpx

API_VERSION = "v11"
DEFINITION = "vrk-kpa/ptv-releases ptv-release-3_4 (PTV 3.4), commit 27723498de3f920d53276d63963f1e71b43777c3"
GUIDS_PER_CALL = 100  # the most /ServiceChannel/list?guids= takes


class PtvUnavailable(DomainError):
    """PTV did not answer, or not in the shape of its API: nothing was imported."""

    status_code = 502


class PtvRefused(Invalid):
    """PTV answered that the request is wrong."""


class BadOrganization(PtvRefused):
    """An organisation id that is no id, or one PTV does not know."""


# --- the items, as far as the import reads them ---------------------------------------------------


def _none_is_empty(value: Any) -> Any:
    return [] if value is None else value  # PTV's JSON has null where a list is empty, now and then


class _Shape(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)


T = TypeVar("T")
Many = Annotated[list[T], BeforeValidator(_none_is_empty)]


class Text(_Shape):
    """A localized text (VmOpenApiLanguageItem, and with ``type`` VmOpenApiLocalizedListItem)."""

    language: str | None = None
    value: str | None = None
    type: str | None = None


class WebPage(_Shape):
    url: str | None = None
    value: str | None = None
    language: str | None = None


class Phone(_Shape):
    number: str | None = None
    prefix_number: str | None = None
    is_finnish_service_number: bool | None = None
    language: str | None = None
    type: str | None = None  # Phone, Sms or Fax


class StreetAddress(_Shape):
    street: Many[Text] = []
    street_number: str | None = None
    postal_code: str | None = None
    post_office: Many[Text] = []


class PostOfficeBoxAddress(_Shape):
    post_office_box: Many[Text] = []
    postal_code: str | None = None
    post_office: Many[Text] = []


class Address(_Shape):
    type: str | None = None  # Location (visiting) or Postal
    sub_type: str | None = None  # Single, Street, PostOfficeBox, Abroad or Other
    street_address: StreetAddress | None = None
    post_office_box_address: PostOfficeBoxAddress | None = None


class ItemRef(_Shape):
    id: uuid.UUID
    name: str | None = None


class ChannelLink(_Shape):
    service_channel: ItemRef


class Service(_Shape):
    """V11VmOpenApiService: names of types Name and AlternativeName; descriptions of types Summary,
    Description, UserInstruction (and others the import does not read)."""

    id: uuid.UUID
    service_names: Many[Text]
    service_descriptions: Many[Text] = []
    keywords: Many[Text] = []
    requirements: Many[Text] = []
    service_channels: Many[ChannelLink] = []
    publishing_status: str | None = None


class Channel(_Shape):
    """V11VmOpenApi{Electronic,Phone,WebPage,PrintableForm,ServiceLocation}Channel, told apart by
    ``service_channel_type``: EChannel, WebPage, PrintableForm, Phone or ServiceLocation."""

    id: uuid.UUID
    service_channel_type: str
    service_channel_names: Many[Text] = []
    web_pages: Many[WebPage] = []
    phone_numbers: Many[Phone] = []
    addresses: Many[Address] = []
    publishing_status: str | None = None


@dataclass
class Skipped:
    """An item PTV gave in a shape its API does not have: left out and reported."""

    kind: str  # "service" or "channel"
    ptv_id: str  # "" when even the id could not be read
    name: str
    reason: str


@dataclass
class Catalogue:
    """What PTV gave for one organisation: its published services and the channels they and it have."""

    organization_id: str
    services: list[Service] = field(default_factory=list)
    channels: dict[str, Channel] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    requests: int = 0

    @property
    def unreadable(self) -> int:
        """Items whose id could not be read: whether a service is gone from PTV cannot be told."""
        return sum(1 for item in self.skipped if not item.ptv_id)


# --- reading them ---------------------------------------------------------------------------------


def organization_id(text: str) -> str:
    """An organisation's PTV id as PTV writes it (lower case), or Invalid."""
    try:
        value = uuid.UUID(text.strip())
    except (ValueError, AttributeError):
        raise BadOrganization(N_("An organisation's PTV id is 32 hexadecimal digits with 4 hyphens, like "
                         "0f2a1d8e-5b3c-4e71-9a46-2c7d8e9f1a01.")) from None
    return str(value)


def fetch(base_url: str, organization: str, *, timeout_s: float = 20, retries: int = 3, backoff_s: float = 1.0,
          transport: "httpx.BaseTransport | None" = None) -> Catalogue:
    """The organisation's published services and service channels, every page of each, and the
    channels of other organisations its services link to (a national e-service, say)."""
    import httpx  # noqa: PLC0415

    organization = organization_id(organization)
    catalogue = Catalogue(organization)
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s, transport=transport,
                      headers={"Accept": "application/json", "User-Agent": "Luukku (PTV import)"}) as client:
        def get(path: str, params: dict) -> Any:
            catalogue.requests += 1
            return _get(client, path, params, retries, backoff_s)

        for raw in _every_page(get, "Service", organization):
            if (service := _read(Service, raw, "service", catalogue)) is not None:
                catalogue.services.append(service)
        for raw in _every_page(get, "ServiceChannel", organization):
            if (channel := _read(Channel, raw, "channel", catalogue)) is not None:
                catalogue.channels[str(channel.id)] = channel
        linked = [str(link.service_channel.id) for service in catalogue.services for link in service.service_channels]
        elsewhere = sorted(set(linked) - set(catalogue.channels))
        for start in range(0, len(elsewhere), GUIDS_PER_CALL):
            answer = get(f"/api/{API_VERSION}/ServiceChannel/list",
                         {"guids": ",".join(elsewhere[start:start + GUIDS_PER_CALL])})
            if not isinstance(answer, list):
                raise _odd_answer("/ServiceChannel/list")
            for raw in answer:
                if (channel := _read(Channel, raw, "channel", catalogue)) is not None:
                    catalogue.channels[str(channel.id)] = channel
    return catalogue


def _every_page(get, kind: str, organization: str) -> list:
    path = f"/api/{API_VERSION}/{kind}/list/organization"
    items, page, pages = [], 1, 1
    while page <= pages:
        answer = get(path, {"organizationId": organization, "page": page})
        if not isinstance(answer, dict) or not isinstance(answer.get("pageCount"), int) \
                or not isinstance(answer.get("itemList") or [], list):
            raise _odd_answer(path)
        pages = answer["pageCount"]
        items.extend(answer.get("itemList") or [])
        page += 1
    return items


def _read(shape: type[_Shape], raw: Any, kind: str, catalogue: Catalogue):
    try:
        return shape.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in error['loc']) or 'item'}: {error['msg']}"
                             for error in exc.errors()[:3])
        ptv_id, name = _what(raw)
        catalogue.skipped.append(Skipped(kind, ptv_id, name, problems))
        return None


def _what(raw: Any) -> tuple[str, str]:
    """The id and a name of a malformed item, as far as they can be read."""
    if not isinstance(raw, dict):
        return "", ""
    try:
        ptv_id = str(uuid.UUID(str(raw.get("id"))))
    except ValueError:
        ptv_id = ""
    names = raw.get("serviceNames") or raw.get("serviceChannelNames")
    if isinstance(names, list):
        name = next((n.get("value") for n in names if isinstance(n, dict) and isinstance(n.get("value"), str)), "")
    else:
        name = names if isinstance(names, str) else ""
    return ptv_id, name[:200]


def _get(client: "httpx.Client", path: str, params: dict, retries: int, backoff_s: float) -> Any:
    import httpx  # noqa: PLC0415 (already loaded by fetch)

    url = f"{client.base_url}{path}"
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff_s * 2 ** (attempt - 1))
        try:
            response = client.get(path, params=params)
        except httpx.TimeoutException:
            problem = f"no answer in {client.timeout.read:g} s"
            continue
        except httpx.TransportError as exc:  # refused, dropped, a name that does not resolve
            problem = str(exc) or exc.__class__.__name__
            continue
        if response.status_code >= 500 or response.status_code == 429:
            problem = f"HTTP {response.status_code}"
            continue
        if response.status_code == 404 and path.endswith("/list/organization"):
            raise BadOrganization(N_("The national service catalogue has no organisation %(id)s."),
                             id=params.get("organizationId", ""))
        if response.status_code != 200:
            raise PtvRefused(N_("The national service catalogue refused the request (HTTP %(status)d): "
                                "%(detail)s"), status=response.status_code, detail=response.text[:300])
        try:
            return response.json()
        except ValueError:
            raise _odd_answer(path) from None
    raise PtvUnavailable(N_("The national service catalogue did not answer at %(url)s (%(problem)s) after "
                            "%(attempts)d attempts; nothing was changed."),
                         url=url, problem=problem, attempts=retries + 1)


def _odd_answer(path: str) -> PtvUnavailable:
    return PtvUnavailable(N_("The national service catalogue's answer at %(path)s was not what its API "
                             "%(version)s gives; nothing was changed."), path=path, version=API_VERSION)
