"""The OpenAPI 3.1 document of /api/v1, with request schemas taken from the pydantic models."""

from functools import cache

from server.schemas import OpenCounterRequest, TicketRequest, TokenRequest

_ERROR = {"description": "A message a person can read, in the request's language",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_TICKET = {"description": "The ticket",
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ticket"}}}}


def _body(model) -> dict:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}


def _path_param(name: str, type_: str = "string") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": type_}}


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
                "summary": "Issue a ticket", "parameters": [_path_param("site")],
                "requestBody": _body(TicketRequest),
                "responses": {"201": _TICKET, "400": _ERROR, "404": _ERROR, "422": _ERROR}}},
            "/v1/sites/{site}/queue": {"get": {
                "summary": "Services with waiting counts and estimates, open counters, recent calls",
                "parameters": [_path_param("site")],
                "responses": {"200": {"description": "The queue", "content": {"application/json": {
                    "schema": {"type": "object"}}}}, "404": _ERROR}}},
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
            "/v1/tickets/{ticket_id}/finish": {"post": {
                "summary": "Finish serving a called ticket", "security": bearer,
                "parameters": [_path_param("ticket_id")],
                "responses": {"200": _TICKET, "401": _ERROR, "404": _ERROR, "409": _ERROR}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "TokenRequest": TokenRequest.model_json_schema(),
                "TicketRequest": TicketRequest.model_json_schema(),
                "OpenCounterRequest": OpenCounterRequest.model_json_schema(),
                "Token": {"type": "object", "required": ["access_token", "token_type"], "properties": {
                    "access_token": {"type": "string"}, "token_type": {"const": "bearer"},
                    "expires_in": {"type": "integer"}}},
                "Error": {"type": "object", "required": ["detail"],
                          "properties": {"detail": {"type": "string"}}},
                "Ticket": {"type": "object",
                           "required": ["id", "number", "service", "status", "status_url"],
                           "properties": {
                               "id": {"type": "string", "description": "Random public id (128 bits)"},
                               "number": {"type": "string", "examples": ["A042"]},
                               "service": {"type": "string"},
                               "status": {"enum": ["waiting", "called", "finished"]},
                               "position": {"type": "integer", "description": "People ahead"},
                               "estimated_wait_min": {"type": "integer"},
                               "status_url": {"type": "string", "format": "uri"},
                               "issued_at": {"type": "string", "format": "date-time"},
                               "called_at": {"type": ["string", "null"], "format": "date-time"},
                               "printed": {"type": ["boolean", "null"]},
                               "counter": {"type": "object"}}},
            },
        },
    }
