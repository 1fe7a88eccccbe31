"""The OpenAPI 3.1 document of /api/v1, with request schemas taken from the pydantic models."""

from functools import cache

from server.errors import MAX_ROW_ID
from server.models import TICKET_STATES
from server.web.schemas import (
    CallTicketRequest,
    FinishRequest,
    GuideQuery,
    OpenCounterRequest,
    ParkRequest,
    PriorityRequest,
    TicketRequest,
    TokenRequest,
    TransferRequest,
    WalkInRequest,
)

_ERROR = {"description": "A message a person can read, in the request's language",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_TICKET = {"description": "The ticket",
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ticket"}}}}
_PRINT_JOB = {"description": "The print job", "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/PrintJob"}}}}


def _body(model) -> dict:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}


def _path_param(name: str, type_: str = "string") -> dict:
    schema = {"type": type_, "minimum": 1, "maximum": MAX_ROW_ID} if type_ == "integer" else {"type": type_}
    return {"name": name, "in": "path", "required": True, "schema": schema}


_COUNTER = {"description": "The counter", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"id": {"type": "integer"}, "number": {"type": "string"},
                                     "open": {"type": "boolean"}, "paused": {"type": "boolean"}}}}}}
_REFUSED = {"401": _ERROR, "404": _ERROR, "409": _ERROR, "422": _ERROR}


def _action(summary: str, bearer, param: tuple, ok: dict, body=None, optional_body=False, **more) -> dict:
    operation = {"summary": summary, "security": bearer, "parameters": [_path_param(*param)],
                 "responses": {"200": ok, **more, **_REFUSED}}
    if body is not None:
        operation["requestBody"] = {**_body(body), "required": not optional_body}
    return {"post": operation}


def _query_params(model) -> list[dict]:
    schema = model.model_json_schema()
    return [{"name": name, "in": "query", "required": name in schema.get("required", ()),
             "description": field.get("description", ""),
             "schema": {k: v for k, v in field.items() if k not in ("title", "description")}}
            for name, field in schema["properties"].items()]


def _counter_actions(bearer) -> dict:
    p = ("counter_id", "integer")
    return {
        "/v1/counters/{counter_id}/close": _action("Close the counter (no customer at it)", bearer, p, _COUNTER),
        "/v1/counters/{counter_id}/pause": _action("Pause the counter: it takes no calls", bearer, p, _COUNTER),
        "/v1/counters/{counter_id}/resume": _action("Continue after a pause", bearer, p, _COUNTER),
        "/v1/counters/{counter_id}/call-next": {"post": {
            "summary": "Call the next customer by the counter's work profile; an Idempotency-Key "
                       "header makes a repeated request return the same ticket",
            "security": bearer,
            "parameters": [_path_param(*p), {"name": "Idempotency-Key", "in": "header",
                                             "required": False, "schema": {"type": "string"}}],
            "responses": {"200": _TICKET, "204": {"description": "No one is waiting"}, **_REFUSED}}},
        "/v1/counters/{counter_id}/call": _action("Call one ticket out of order (number or id)",
                                                  bearer, p, _TICKET, CallTicketRequest),
        "/v1/counters/{counter_id}/walk-in": _action("Open a visit for a customer without a ticket",
                                                     bearer, p, _TICKET, WalkInRequest),
    }


def _ticket_actions(bearer) -> dict:
    p = ("ticket_id",)
    return {
        "/v1/tickets/{ticket_id}/recall": _action("Call the ticket again", bearer, p, _TICKET),
        "/v1/tickets/{ticket_id}/no-show": _action("The customer did not come (after enough calls)", bearer, p, _TICKET),
        "/v1/tickets/{ticket_id}/start": _action("The customer is at the counter: serving starts", bearer, p, _TICKET),
        "/v1/tickets/{ticket_id}/finish": _action("Finish serving, with an outcome", bearer, p, _TICKET,
                                                  FinishRequest, optional_body=True),
        "/v1/tickets/{ticket_id}/transfer": _action("Transfer to a service, a counter or a clerk",
                                                    bearer, p, _TICKET, TransferRequest),
        "/v1/tickets/{ticket_id}/park": _action("Put the customer aside", bearer, p, _TICKET,
                                                ParkRequest, optional_body=True),
        "/v1/tickets/{ticket_id}/return": _action("Return a parked ticket to the front of its queue", bearer, p, _TICKET),
        "/v1/tickets/{ticket_id}/priority": _action("Set a waiting ticket's priority", bearer, p, _TICKET,
                                                    PriorityRequest),
    }


_NAMES = {"type": "object", "required": ["fi", "sv", "en"], "description": "The name in Finnish, Swedish and "
          "English (Finnish where it has none)", "properties": {lang: {"type": "string"} for lang in ("fi", "sv", "en")}}
_WAITS_SCHEMAS = {  # the public waits (issue 21, server/waits.py): counts and estimates, nothing about a person
    "SiteWaits": {"type": "object", "required": ["site", "names", "timezone", "open", "today", "services"],
                  "properties": {
        "site": {"type": "string", "examples": ["city-hall"]},
        "names": _NAMES,
        "timezone": {"type": "string", "examples": ["Europe/Helsinki"]},
        "open": {"type": "boolean", "description": "Open now, by its opening hours"},
        "today": {"type": ["object", "null"], "description": "Today's hours, local time (null: open around "
                  "the clock; opens and closes null: closed today)", "properties": {
            "opens": {"type": ["string", "null"], "examples": ["08:00"]},
            "closes": {"type": ["string", "null"], "examples": ["16:15"]}}},
        "services": {"type": "array", "items": {"$ref": "#/components/schemas/ServiceWait"}}}},
    "ServiceWait": {"type": "object", "required": ["code", "names", "waiting", "estimated_wait_min"], "properties": {
        "code": {"type": "string"}, "names": _NAMES,
        "waiting": {"type": "integer", "description": "People waiting now"},
        "estimated_wait_min": {"type": ["integer", "null"],
                               "description": "Estimated wait of a ticket taken now; null while the site is closed"}}},
    "Waits": {"type": "object", "required": ["generated_at", "sites"], "properties": {
        "generated_at": {"type": "string", "format": "date-time"},
        "sites": {"type": "array", "items": {"$ref": "#/components/schemas/SiteWaits"}}}},
    "SiteWaitsNow": {"allOf": [{"$ref": "#/components/schemas/SiteWaits"}, {
        "type": "object", "required": ["generated_at"],
        "properties": {"generated_at": {"type": "string", "format": "date-time"}}}]},
}


def _waits_paths() -> dict:
    def answer(schema: str) -> dict:
        return {"description": "Read at most every few seconds (Cache-Control says how long to keep it); "
                               "Access-Control-Allow-Origin: *",
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
    too_many = {**_ERROR, "description": "Too many requests from one address (Retry-After)"}
    return {
        "/v1/waits": {"get": {
            "summary": "Public: every site's open/closed state and, per service, people waiting and the "
                       "estimated wait now (no personal data; any origin may read it)",
            "responses": {"200": answer("Waits"), "429": too_many}}},
        "/v1/sites/{site}/waits": {"get": {
            "summary": "Public: one site's open/closed state and waits now", "parameters": [_path_param("site")],
            "responses": {"200": answer("SiteWaitsNow"), "404": _ERROR, "429": too_many}}},
    }


@cache
def openapi_document() -> dict:
    bearer = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Luukku API", "version": "1",
                 "description": "Queue tickets, counters and events of a service point. "
                                "Events stream over the websocket /api/v1/sites/{site}/events: one JSON "
                                "object per event with seq (increasing per site), type, ticket and counter."},
        "servers": [{"url": "/api"}],
        "paths": {
            "/v1/token": {"post": {
                "summary": "Get a bearer token for a staff user",
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/TokenRequest"}},
                    "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/TokenRequest"}}}},
                "responses": {"200": {"description": "The token", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Token"}}}},
                    "401": _ERROR, "400": _ERROR, "422": _ERROR}}},
            "/v1/sites/{site}/tickets": {"post": {
                "summary": "Issue a ticket (outside demo mode: from a registered kiosk of the site, by its "
                           "device token as `Authorization: Device TOKEN` or its enrolled browser, or with a "
                           "staff bearer token)", "parameters": [_path_param("site")],
                "requestBody": _body(TicketRequest),
                "responses": {"201": _TICKET, "400": _ERROR, "401": _ERROR, "404": _ERROR, "422": _ERROR}}},
            "/v1/sites/{site}/queue": {"get": {
                "summary": "Services with waiting counts and estimates, open counters, recent calls",
                "parameters": [_path_param("site")],
                "responses": {"200": {"description": "The queue", "content": {"application/json": {
                    "schema": {"type": "object"}}}}, "404": _ERROR}}},
            "/v1/sites/{site}/guide": {"get": {
                "summary": "The guide's search: the matters that fit what a citizen typed, best first "
                           "(inflected and compound words, typos, a word still being typed)",
                "parameters": [_path_param("site"), *_query_params(GuideQuery)],
                "responses": {"200": {"description": "The matters found", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/GuideAnswer"}}}},
                    "404": _ERROR, "422": _ERROR}}},
            **_waits_paths(),
            "/v1/counters/{counter_id}/open": {"post": {
                "summary": "Open a counter for the given services", "security": bearer,
                "parameters": [_path_param("counter_id", "integer")],
                "requestBody": _body(OpenCounterRequest),
                "responses": {"200": {"description": "The counter is open"}, "401": _ERROR,
                              "404": _ERROR, "409": _ERROR, "422": _ERROR}}},
            "/v1/counters/{counter_id}/call-next": {"post": {
                "summary": "Call the next customer to this counter", "security": bearer,
                "parameters": [_path_param("counter_id", "integer")],
                "responses": {"200": _TICKET, "204": {"description": "No one is waiting"},
                              "401": _ERROR, "404": _ERROR, "409": _ERROR}}},
            **_counter_actions(bearer),
            **_ticket_actions(bearer),
            "/v1/tickets/{ticket_id}/reprint": {"post": {
                "summary": "Print the ticket again (a new print job on the printer of its last one)",
                "security": bearer, "parameters": [_path_param("ticket_id")],
                "responses": {"201": _PRINT_JOB, "401": _ERROR, "404": _ERROR, "409": _ERROR}}},
            "/v1/print-jobs/{job_id}": {"get": {
                "summary": "A print job's state: queued, sent, printed or failed",
                "parameters": [_path_param("job_id")],
                "responses": {"200": _PRINT_JOB, "404": _ERROR}}},
            "/v1/sites/{site}/printers": {"get": {
                "summary": "The site's printers: condition and jobs per state", "security": bearer,
                "parameters": [_path_param("site")],
                "responses": {"200": {"description": "The printers", "content": {"application/json": {
                    "schema": {"type": "object"}}}}, "401": _ERROR, "404": _ERROR}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "TokenRequest": TokenRequest.model_json_schema(),
                "TicketRequest": TicketRequest.model_json_schema(),
                **{model.__name__: model.model_json_schema() for model in (
                    OpenCounterRequest, CallTicketRequest, WalkInRequest, FinishRequest,
                    TransferRequest, ParkRequest, PriorityRequest)},
                "Token": {"type": "object", "required": ["access_token", "token_type"], "properties": {
                    "access_token": {"type": "string"}, "token_type": {"const": "bearer"},
                    "expires_in": {"type": "integer"}}},
                "PrintJob": {"type": "object", "required": ["id", "state"], "properties": {
                    "id": {"type": "string", "description": "Random (128 bits)"},
                    "state": {"enum": ["queued", "sent", "printed", "failed"]},
                    "reprint": {"type": "boolean"}, "attempts": {"type": "integer"},
                    "error": {"type": ["string", "null"]},
                    "printer": {"type": ["object", "null"]},
                    "created_at": {"type": "string", "format": "date-time"},
                    "printed_at": {"type": ["string", "null"], "format": "date-time"}}},
                "GuideAnswer": {"type": "object", "required": ["site", "lang", "matters"], "properties": {
                    "site": {"type": "string"}, "lang": {"enum": ["fi", "sv", "en"]},
                    "matters": {"type": "array", "items": {"$ref": "#/components/schemas/GuideMatter"}}}},
                "GuideMatter": {"type": "object",
                                "required": ["id", "key", "title", "service", "self_service", "book", "score"],
                                "properties": {
                    "id": {"type": "integer"},
                    "key": {"type": "string", "examples": ["parking-permit-resident"]},
                    "title": {"type": "string", "description": "In the language asked (Finnish where it has none)"},
                    "service": {"type": ["string", "null"],
                                "description": "The code of the site's service that takes it; null: "
                                               "self-service only"},
                    "self_service": {"type": "boolean",
                                     "description": "It has an e-service in the language asked or in Finnish"},
                    "book": {"type": "boolean", "description": "It needs an expert's booked time"},
                    "score": {"type": "number", "description": "How well it fits; higher is better"}}},
                **_WAITS_SCHEMAS,
                "Error": {"type": "object", "required": ["detail"],
                          "properties": {"detail": {"type": "string"}}},
                "Ticket": {"type": "object",
                           "required": ["id", "number", "service", "status", "status_url"],
                           "properties": {
                               "id": {"type": "string", "description": "Random public id (128 bits)"},
                               "number": {"type": "string", "examples": ["A042"]},
                               "service": {"type": "string"},
                               "status": {"enum": list(TICKET_STATES)},
                               "position": {"type": "integer", "description": "People ahead"},
                               "estimated_wait_min": {"type": "integer"},
                               "status_url": {"type": "string", "format": "uri"},
                               "issued_at": {"type": "string", "format": "date-time"},
                               "called_at": {"type": ["string", "null"], "format": "date-time"},
                               "print_job": {"oneOf": [{"$ref": "#/components/schemas/PrintJob"},
                                                       {"type": "null"}]},
                               "counter": {"type": "object"}}},
            },
        },
    }
