"""A stand-in for the Suomi.fi Finnish Service Catalogue's (PTV's) open API, version 11, on 127.0.0.1,
for the tests of the PTV import (server/ptv.py, counter/ptv.py) and for trying the admin page by hand.

Built from the published definition: vrk-kpa/ptv-releases, branch ptv-release-3_4 (PTV 3.4, commit
27723498de3f920d53276d63963f1e71b43777c3), whose Swagger document is generated from
src/PTV.Application.OpenApi/Controllers/V11ServiceController.cs and V11ServiceChannelController.cs and
the view models in src/PTV.Domain.Model/Models/OpenApi/ (V11VmOpenApiService, V11VmOpenApiElectronicChannel,
V11VmOpenApiServiceLocationChannel, VmOpenApiModelWithPagingBase); the item shapes below follow the
example JSON of test/PTV.Domain.Model.Tests/Models/OpenApi/V11/Resources/, and rich texts are Markdown
as src/PTV.Framework/TextManager/TextManager.cs makes them (a paragraph a line, "* " and "1. " lists).
It answers:

    GET /api/v11/Service/list/organization?organizationId=GUID&page=N     services, with paging
    GET /api/v11/ServiceChannel/list/organization?organizationId=GUID&page=N     channels, with paging
    GET /api/v11/Service/{id}, /api/v11/ServiceChannel/{id}                one item
    GET /api/v11/Service/list?guids=A,B, /api/v11/ServiceChannel/list?guids=A,B     up to 100 items
    GET /api/v11/Service/archived/list?organizationId=GUID&archivingType=Manual&take=N&skip=N

Paging as PTV's PagingHandlerBase does it: {"pageNumber", "pageSize", "pageCount", "itemList"}, pages
from 1, 100 items a page (``page_size`` here, smaller in tests), only published items, ordered by
creation; a page past the last has ``itemList`` null. An unknown organisation is a 404 with
{"errorMessage": …}; a malformed id a 400 with {"field": ["message"]}.

Switches a test turns: ``gateway_timeout`` (504s on a page), ``slow`` (a page answers late),
``malform`` (an item that is not what the definition says), ``drop_language`` (an item without one
language), ``archive`` (an item removed from PTV), ``set_text`` (PTV's text changes). ``requests``
lists the addresses asked, in order.

    .venv/bin/python -m tests.fakes.ptv_server [PORT]     serves the demo catalogue until Ctrl-C
"""

import copy
import json
import math
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.fakes.local_http import LocalHttpServer

ORG = "0f2a1d8e-5b3c-4e71-9a46-2c7d8e9f1a01"  # Kaupunki, the demo's municipality
OTHER_ORG = "5e3c5f1a-8d4b-4c5e-9f0a-6b7c8d9e0f12"  # a national agency whose e-service the city links to
LANGS = ("fi", "sv", "en")


def _id(n: int) -> str:
    return f"a1b2c3d4-0000-4000-8000-{n:012d}"


def _texts(values: dict[str, str], type_: str | None = None) -> list[dict]:
    """{"fi": "…", "sv": "…"} as PTV's localized list: [{"language", "value"(, "type")}]."""
    items = []
    for lang, value in values.items():
        item = {"language": lang, "value": value}
        if type_ is not None:
            item["type"] = type_
        items.append(item)
    return items


def service(n: int, names: dict, summary: dict, description: dict | None = None, instruction: dict | None = None,
            requirements: dict | None = None, keywords: dict | None = None, alternative: dict | None = None,
            channels: tuple = (), organization: str = ORG) -> dict:
    """A published service as V11VmOpenApiService gives it (every key there, the unused empty)."""
    descriptions = _texts(summary, "Summary") + _texts(description or {}, "Description") \
        + _texts(instruction or {}, "UserInstruction")
    return {
        "id": _id(n), "sourceId": None, "generalDescriptionId": None, "subType": None, "type": "Service",
        "fundingType": "PubliclyFunded",
        "serviceNames": _texts(names, "Name") + _texts(alternative or {}, "AlternativeName"),
        "serviceChargeType": None, "areaType": "LimitedType", "areas": [],
        "serviceDescriptions": descriptions, "languages": list(names),
        "serviceClasses": [], "ontologyTerms": [], "targetGroups": [], "lifeEvents": [], "industrialClasses": [],
        "legislation": [],
        "keywords": [{"value": word, "language": lang} for lang, words in (keywords or {}).items() for word in words],
        "requirements": _texts(requirements or {}),
        "serviceChannels": [{"serviceChannel": {"id": channel["id"], "name": _first(channel["serviceChannelNames"])},
                             "serviceChargeType": None, "description": [], "extraTypes": [], "serviceHours": [],
                             "contactDetails": None, "digitalAuthorizations": [], "modified": "2026-10-01T08:00:00"}
                            for channel in channels],
        "organizations": [{"organization": {"id": organization, "name": "Kaupunki"}, "roleType": "Responsible",
                           "provisionType": None, "additionalInformation": []}],
        "serviceVouchersInUse": False, "serviceVouchers": [], "serviceCollections": [],
        "publishingStatus": "Published", "modified": "2026-10-01T08:00:00", "responsibleSoteOrganization": None,
    }


def _first(names: list[dict]) -> str:
    return next((n["value"] for n in names if n.get("language") == "fi"), names[0]["value"] if names else "")


def _channel(n: int, kind: str, names: dict, organization: str, **fields) -> dict:
    base = {
        "id": _id(n), "sourceId": None, "serviceChannelType": kind, "organizationId": organization,
        "serviceChannelNames": _texts(names, "Name"), "serviceChannelDescriptions": [],
        "areaType": "LimitedType", "areas": [], "languages": list(names), "webPages": [], "serviceHours": [],
        "services": [], "serviceCollections": [], "publishingStatus": "Published",
        "modified": "2026-10-01T08:00:00", "responsibleSoteOrganization": None, "ontologyTerms": [],
    }
    base.update(fields)
    return base


def echannel(n: int, names: dict, urls: dict, organization: str = ORG) -> dict:
    """An e-service (V11VmOpenApiElectronicChannel): its address per language in ``webPages``."""
    return _channel(n, "EChannel", names, organization, signatureQuantity=0, requiresSignature=False,
                    requiresAuthentication=True, attachments=[], supportPhones=[], supportEmails=[],
                    webPages=[{"url": url, "value": names.get(lang, ""), "language": lang} for lang, url in urls.items()],
                    accessibilityClassification=[])


def _address(street: dict, number: str, postal_code: str, post_office: dict, type_: str) -> dict:
    return {"type": type_, "subType": "Street", "postOfficeBoxAddress": None,
            "streetAddress": {"street": _texts(street), "streetNumber": number, "postalCode": postal_code,
                              "postOffice": _texts(post_office), "municipality": {"code": "999", "name": _texts(post_office)},
                              "additionalInformation": [], "latitude": "6672000", "longitude": "385000",
                              "coordinateState": "Ok"},
            "otherAddress": None, "locationAbroad": [], "entrances": [], "country": "FI"}


def service_location(n: int, names: dict, street: dict, number: str, postal_code: str, post_office: dict,
                     phone: str, organization: str = ORG) -> dict:
    """A service location (V11VmOpenApiServiceLocationChannel): addresses, phones, hours, entrances."""
    hours = [{"serviceHourType": "DaysOfTheWeek", "validFrom": None, "validTo": None, "isClosed": False,
              "validForNow": True, "isAlwaysOpen": False, "isReservation": False, "additionalInformation": [],
              "openingHour": [{"dayFrom": "Monday", "dayTo": "Friday", "from": "08:00:00", "to": "16:15:00"}]}]
    location = _address(street, number, postal_code, post_office, "Location")
    location["entrances"] = [{"name": _texts({"fi": "Pääovi", "sv": "Huvudingång"}), "isMainEntrance": True,
                              "coordinates": {"latitude": "6672000", "longitude": "385000"},
                              "contactInfo": None,
                              "accessibilitySentences": [{"sentenceGroup": _texts({"fi": "Sisäänkäynti"}),
                                                          "sentences": [{"sentence": _texts(
                                                              {"fi": "Sisäänkäynnillä on luiska."})}]}]}]
    return _channel(n, "ServiceLocation", names, organization, oid=None, displayNameType=[],
                    phoneNumbers=[{"type": "Phone", "additionalInformation": None, "serviceChargeType": "Chargeable",
                                   "chargeDescription": None, "prefixNumber": "+358", "isFinnishServiceNumber": False,
                                   "number": phone, "language": "fi"}],
                    emails=[{"value": "asiakaspalvelu@kaupunki.example", "language": "fi"}],
                    addresses=[location], serviceHours=hours)


def demo_catalogue() -> tuple[list[dict], list[dict]]:
    """Kaupunki's services and channels: seven services (three pages of three in the tests), two of
    its own e-services and one of a national agency's, its customer service point, and a phone line."""
    parking = echannel(101, {"fi": "Pysäköintitunnuksen hakeminen verkossa", "sv": "Ansök om parkeringstillstånd på nätet",
                             "en": "Apply for a parking permit online"},
                       {"fi": "https://asiointi.kaupunki.example/pysakointi", "sv": "https://asiointi.kaupunki.example/sv/parkering",
                        "en": "https://asiointi.kaupunki.example/en/parking"})
    daycare = echannel(102, {"fi": "Varhaiskasvatuksen sähköinen haku", "sv": "Elektronisk ansökan till småbarnspedagogik"},
                       {"fi": "https://asiointi.kaupunki.example/varhaiskasvatus",
                        "sv": "https://asiointi.kaupunki.example/sv/smabarnspedagogik"})
    permits = echannel(103, {"fi": "Lupapiste.fi", "sv": "Lupapiste.fi", "en": "Lupapiste.fi"},
                       {"fi": "https://www.lupapiste.fi", "sv": "https://www.lupapiste.fi/sv", "en": "https://www.lupapiste.fi/en"},
                       organization=OTHER_ORG)
    office = service_location(104, {"fi": "Kaupungintalon asiakaspalvelu", "sv": "Stadshusets kundtjänst",
                                    "en": "City Hall customer service"},
                              {"fi": "Keskuskatu", "sv": "Centralgatan"}, "1", "00100", {"fi": "KAUPUNKI", "sv": "STADEN"},
                              "9 310 12345")
    phone = _channel(105, "Phone", {"fi": "Laskutuksen puhelinpalvelu", "sv": "Faktureringens telefontjänst"}, ORG,
                     phoneNumbers=[{"type": "Phone", "additionalInformation": None, "serviceChargeType": "Chargeable",
                                    "chargeDescription": None, "prefixNumber": "+358", "isFinnishServiceNumber": False,
                                    "number": "9 310 20000", "language": "fi"}], supportEmails=[])
    services = [
        service(1, {"fi": "Asukaspysäköintitunnus", "sv": "Boendeparkeringstillstånd", "en": "Resident parking permit"},
                {"fi": "Asukaspysäköintitunnuksella voit pysäköidä oman asuinalueesi kadunvarteen.",
                 "sv": "Med boendeparkeringstillstånd kan du parkera på gatorna i ditt bostadsområde.",
                 "en": "A resident parking permit lets you park on the streets of your own residential area."},
                description={"fi": "Tunnus myönnetään vuodeksi kerrallaan.\nHinta riippuu ajoneuvon päästöistä.",
                             "sv": "Tillståndet beviljas för ett år i sänder.",
                             "en": "The permit is granted for a year at a time."},
                instruction={"fi": "1. Kirjaudu verkkoasiointiin.\n2. Täytä hakemus.\n3. Maksa tunnus verkossa.",
                             "sv": "1. Logga in i e-tjänsten.\n2. Fyll i ansökan.\n3. Betala tillståndet på nätet.",
                             "en": "1. Log in to the e-service.\n2. Fill in the application.\n3. Pay for the permit online."},
                requirements={"fi": "* Ajoneuvon rekisteritiedot\n* Osoite väestötietojärjestelmässä",
                              "sv": "* Fordonets registeruppgifter\n* Adress i befolkningsdatasystemet",
                              "en": "* The vehicle's registration details\n* Your address in the population register"},
                keywords={"fi": ["pysäköinti", "asukaspysäköinti"], "sv": ["parkering"], "en": ["parking"]},
                alternative={"fi": "Pysäköintilupa"}, channels=(parking, office)),
        service(2, {"fi": "Rakennuslupa", "sv": "Bygglov", "en": "Building permit"},
                {"fi": "Rakennuslupa tarvitaan uuden rakennuksen rakentamiseen ja laajentamiseen.",
                 "sv": "Bygglov behövs för att bygga en ny byggnad eller bygga ut.",
                 "en": "A building permit is needed to build a new building or to extend one."},
                requirements={"fi": "Pääpiirustukset\nSelvitys rakennuspaikan hallinnasta"},
                keywords={"fi": ["rakentaminen", "lupa"], "sv": ["byggande"]}, channels=(permits, office)),
        service(3, {"fi": "Varhaiskasvatukseen hakeminen", "sv": "Ansökan till småbarnspedagogik",
                    "en": "Applying for early childhood education"},
                {"fi": "Hae varhaiskasvatuspaikkaa viimeistään neljä kuukautta ennen tarvetta.",
                 "sv": "Ansök om plats senast fyra månader innan behovet börjar.",
                 "en": "Apply for a place at least four months before you need it."},
                keywords={"fi": ["päiväkoti", "päivähoito"], "sv": ["daghem"], "en": ["daycare"]}, channels=(daycare,)),
        service(4, {"fi": "Laskut ja maksut", "sv": "Fakturor och betalningar", "en": "Invoices and payments"},
                {"fi": "Kysy kaupungin laskuista, maksuajoista ja maksusuunnitelmista.",
                 "sv": "Fråga om stadens fakturor, betalningstider och betalningsplaner.",
                 "en": "Ask about the city's invoices, due dates and payment plans."},
                keywords={"fi": ["lasku", "eräpäivä"], "sv": ["faktura"], "en": ["invoice"]}, channels=(office, phone)),
        service(5, {"fi": "Jätehuolto", "sv": "Avfallshantering"},
                {"fi": "Jäteastian tyhjennykset, lajittelu ja jätemaksut.", "sv": "Tömning av sopkärl, sortering och avfallsavgifter."},
                keywords={"fi": ["jäte", "roskat", "kierrätys"], "sv": ["sopor"]}),
        service(6, {"fi": "Kirjastokortti", "sv": "Lånekort", "en": "Library card"},
                {"fi": "Kirjastokortin saat kirjastosta henkilöllisyystodistusta vastaan.",
                 "sv": "Du får ett lånekort på biblioteket mot ett identitetsbevis.",
                 "en": "You get a library card at the library with a proof of identity."},
                requirements={"fi": "Henkilöllisyystodistus", "sv": "Identitetsbevis", "en": "Proof of identity"},
                keywords={"fi": ["kirjasto", "laina"], "sv": ["bibliotek"], "en": ["library"]}),
        service(7, {"fi": "Vuokra-asunnon hakeminen", "sv": "Ansökan om hyresbostad", "en": "Applying for a rental flat"},
                {"fi": "Hae kaupungin vuokra-asuntoa asuntohakemuksella.",
                 "sv": "Ansök om stadens hyresbostad med en bostadsansökan.",
                 "en": "Apply for a city rental flat with a housing application."},
                keywords={"fi": ["asunto", "vuokra"], "sv": ["bostad"], "en": ["housing"]}, channels=(office,)),
    ]
    return services, [parking, daycare, office, phone, permits]


class FakePtv(LocalHttpServer):
    """PTV's open API v11 on 127.0.0.1 (port 0: a free one, read back in ``port``) with ``services``
    and ``channels`` (the item dicts as the API gives them; a test may change them)."""

    name = "fake-ptv"

    def __init__(self, services: list[dict] | None = None, channels: list[dict] | None = None,
                 organization: str = ORG, page_size: int = 100, port: int = 0):
        super().__init__(port)
        if services is None and channels is None:
            services, channels = demo_catalogue()
        self.services: dict[str, dict] = {s["id"]: s for s in services or []}
        self.channels: dict[str, dict] = {c["id"]: c for c in channels or []}
        self.organization = organization
        self.page_size = page_size
        self.lock = threading.Lock()
        self.requests: list[str] = []
        self._timeouts: dict[tuple[str, int], int] = {}  # (Service|ServiceChannel, page): 504s left, -1 always
        self._slow: dict[tuple[str, int], float] = {}
        self._malformed: dict[str, str] = {}  # item id: how
        self._archived: dict[str, str] = {}  # item id: when

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- the switches ---------------------------------------------------------------------------

    def gateway_timeout(self, kind: str = "Service", page: int = 1, times: int = 1) -> None:
        """The page of the organisation's services (or ``ServiceChannel``s) answers 504 Gateway
        Timeout ``times`` times, then as usual; ``times=-1``: every time."""
        with self.lock:
            self._timeouts[(kind, page)] = times

    def slow(self, kind: str = "Service", page: int = 1, seconds: float = 2.0) -> None:
        """The page answers only after ``seconds``: a client with a shorter timeout gives up on it."""
        with self.lock:
            self._slow[(kind, page)] = seconds

    def malform(self, service_id: str, how: str = "names") -> None:
        """The service is served not as the definition says: ``names`` (serviceNames is a string and
        serviceDescriptions an object) or ``id`` (no readable id at all)."""
        with self.lock:
            self._malformed[service_id] = how

    def drop_language(self, service_id: str, lang: str) -> None:
        """The service loses every text in ``lang`` (a municipality that wrote no Swedish)."""
        with self.lock:
            item = self.services[service_id]
            for key in ("serviceNames", "serviceDescriptions", "keywords", "requirements"):
                item[key] = [entry for entry in item[key] if entry.get("language") != lang]
            item["languages"] = [code for code in item["languages"] if code != lang]

    def archive(self, service_id: str) -> None:
        """The service is archived (deleted) in PTV: gone from the published lists."""
        with self.lock:
            self._archived[service_id] = "2026-11-02T09:00:00"

    def restore(self, service_id: str) -> None:
        with self.lock:
            self._archived.pop(service_id, None)

    def set_text(self, service_id: str, key: str, lang: str, value: str, type_: str | None = None) -> None:
        """One localized text of a service: ``key`` serviceNames/serviceDescriptions (with ``type_``)
        or requirements; added when there was none."""
        with self.lock:
            entries = self.services[service_id][key]
            for entry in entries:
                if entry.get("language") == lang and entry.get("type") == type_:
                    entry["value"] = value
                    return
            entries.append({"language": lang, "value": value, **({"type": type_} if type_ else {})})

    def add_service(self, item: dict) -> None:
        with self.lock:
            self.services[item["id"]] = item

    # --- what it answers ------------------------------------------------------------------------

    def _published(self, items: dict[str, dict], owned) -> list[dict]:
        return [self._served(item) for item in items.values() if owned(item) and item["id"] not in self._archived]

    def _served(self, item: dict) -> dict:
        how = self._malformed.get(item["id"])
        if how is None:
            return item
        broken = copy.deepcopy(item)
        if how == "id":
            del broken["id"]
        else:
            broken["serviceNames"] = _first(item["serviceNames"])
            broken["serviceDescriptions"] = {"Summary": "?"}
        return broken

    def _owns_service(self, item: dict) -> bool:
        return any(o["organization"]["id"] == self.organization for o in item["organizations"])

    def _page(self, items: list[dict], page: int) -> dict:
        count = math.ceil(len(items) / self.page_size)
        valid = 1 <= page <= count
        return {"pageNumber": page, "pageSize": self.page_size, "pageCount": count,
                "itemList": items[(page - 1) * self.page_size:page * self.page_size] if valid else None}

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, object]:
        """(status, JSON) for a GET of ``path``."""
        one = {key: values[-1] for key, values in query.items()}
        parts = path.strip("/").split("/")
        if parts[:2] != ["api", "v11"] or len(parts) < 4 or parts[2] not in ("Service", "ServiceChannel"):
            return 404, {"errorMessage": "Invalid version number."}
        kind, rest = parts[2], parts[3:]
        items = self.services if kind == "Service" else self.channels
        with self.lock:
            if rest == ["list", "organization"]:
                return self._by_organization(kind, items, one)
            if rest == ["list"]:
                guids = [g for g in one.get("guids", "").split(",") if g]
                if not guids or len(guids) > 100 or not all(_is_guid(g) for g in guids):
                    return 400, {"guids": ["Give 1–100 comma separated guids."]}
                return 200, [self._served(items[g]) for g in guids if g in items and g not in self._archived]
            if rest == ["archived", "list"] and kind == "Service":
                take, skip = int(one.get("take", "100")), int(one.get("skip", "0"))
                gone = [{"id": i, "organizationId": self.organization, "type": "Service", "archivingDate": when,
                         "serviceNames": [{"value": n["value"], "language": n["language"]}
                                          for n in self.services[i]["serviceNames"] if n.get("type") == "Name"]}
                        for i, when in self._archived.items()]
                return 200, gone[skip:skip + take]
            if len(rest) == 1:
                if not _is_guid(rest[0]):
                    return 400, {"id": ["Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)."]}
                if rest[0] not in items or rest[0] in self._archived:
                    return 404, {"errorMessage": f"{kind} with id '{rest[0]}' not found."}
                return 200, self._served(items[rest[0]])
        return 404, {"errorMessage": "Not found."}

    def _by_organization(self, kind: str, items: dict, one: dict) -> tuple[int, object]:
        organization, page = one.get("organizationId", ""), one.get("page", "1")
        if not organization:
            return 400, {"organizationId": ["One of the organization related parameters 'organizationId', "
                                            "'code' or 'oid' has to be set."]}
        if not _is_guid(organization):
            return 400, {"organizationId": [f"Cannot parse '{organization}' to type of Guid."]}
        if not page.lstrip("-").isdigit() or int(page) < 0:
            return 400, {"page": ["The page number cannot be negative value."]}
        if organization.lower() != self.organization:
            return 404, {"errorMessage": f"Organization with id '{organization}' not found."}
        key = (kind, int(page))
        left = self._timeouts.get(key, 0)
        if left:
            self._timeouts[key] = left - 1 if left > 0 else left
            return 504, "<html><body><h1>504 Gateway Time-out</h1></body></html>"
        owned = self._owns_service if kind == "Service" else (lambda c: c["organizationId"] == self.organization)
        return 200, self._page(self._published(items, owned), int(page))

    # --- the server -----------------------------------------------------------------------------

    def handler(self) -> type[BaseHTTPRequestHandler]:
        ptv = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                parts = url.path.split("/")  # "", "api", "v11", kind, …
                page = query.get("page", ["1"])[-1]
                with ptv.lock:
                    ptv.requests.append(self.path)
                    delay = ptv._slow.get((parts[3], int(page)), 0) \
                        if url.path.endswith("/list/organization") and page.isdigit() and len(parts) > 3 else 0
                if delay:
                    time.sleep(delay)
                status, content = ptv.answer(url.path, query)
                if isinstance(content, str):  # the gateway's own HTML page
                    data, kind = content.encode(), "text/html"
                else:
                    data, kind = json.dumps(content, ensure_ascii=False).encode(), "application/json; charset=utf-8"
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

            def log_message(self, *args):
                pass  # quiet

        return Handler


def _is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


if __name__ == "__main__":
    import sys

    with FakePtv(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8090) as fake:
        print(f"PTV open API v11 (fake) at {fake.url}, organisation {ORG}; Ctrl-C ends it.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
