"""The OpenAPI 3.1 description of the read-only JSON API (served at /api/v1/openapi.json)."""
from __future__ import annotations

from typing import Any

from engagement.reach_out import REACH_ACTIONS, REASONS

PAGING = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
     "description": "Items per page."},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0},
     "description": "Items to skip; follow `next` for the following page."},
]
DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_STR = {"type": ["string", "null"]}


def _page(item_ref: str, extra: dict | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "items": {"type": "array", "items": {"$ref": item_ref}},
        "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
        "next": {"type": ["string", "null"], "description": "Path of the next page, or null on the last one."},
    }
    props.update(extra or {})
    return {"type": "object", "required": ["items", "total", "limit", "offset", "next"], "properties": props}


def _get(summary: str, schema: dict, params: list | None = None, description: str = "") -> dict[str, Any]:
    return {"get": {
        "summary": summary, "description": description, "parameters": params or [],
        "security": [{"bearer": []}],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
        },
    }}


def spec() -> dict[str, Any]:
    health = {"type": "object", "properties": {k: {"type": "number"} for k in
                                               ("time", "trust", "intensity", "reciprocity", "overall")}
              | {"trend": {"type": "string", "enum": ["warming", "steady", "cooling"]},
                 "last_interaction": {**DATE_TIME, "type": ["string", "null"]}}}
    schemas = {
        "Error": {"type": "object", "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}},
        "QueueItem": {"type": "object", "properties": {
            "id": {"type": "string", "example": "rs-3f9a1c2b7d"},
            "status": {"type": "string", "enum": ["pending", "approved", "sending", "sent", "dismissed", "answered"]},
            "priority": {"type": "number"}, "intent": {"type": "string"}, "platform": {"type": "string"},
            "person": {"type": "string"}, "person_id": {"type": "string"}, "key_client": {"type": "boolean"},
            "reason": {"type": "string"}, "reply": {"type": "string"}, "url": NULLABLE_STR,
            "posted_at": DATE_TIME, "post_text": {"type": "string"}, "assigned_to": NULLABLE_STR,
            "decided_by": NULLABLE_STR, "decided_at": {**DATE_TIME, "type": ["string", "null"]}}},
        "ReachOut": {"type": "object", "properties": {
            "person_id": {"type": "string"}, "person": {"type": "string"}, "tier": {"type": ["integer", "null"]},
            "reason": {"type": "string", "enum": list(REASONS)},
            "action": {"type": "string", "enum": list(REACH_ACTIONS)},
            "headline": NULLABLE_STR, "cleared": {"type": ["array", "null"], "items": {"type": "string"}},
            "sensitive": {"type": "boolean"},
            "sentence": {"type": "string"}, "detail": {"type": "string"}, "evidence_url": NULLABLE_STR,
            "evidence_date": {"type": ["string", "null"], "format": "date"},
            "evidence_at": {**DATE_TIME, "type": ["string", "null"]}, "evidence_text": NULLABLE_STR,
            "score": {"type": "number"}, "health": {"type": ["number", "null"]}, "trend": NULLABLE_STR,
            "also": {"type": ["array", "null"], "items": {"type": "string"}}}},
        "Person": {"type": "object", "properties": {
            "person_id": {"type": "string"}, "name": {"type": "string"}, "tier": {"type": ["integer", "null"]},
            "is_key_client": {"type": "boolean"}, "is_contact": {"type": "boolean"}, "notes": NULLABLE_STR,
            "company": NULLABLE_STR, "emails": {"type": "array", "items": {"type": "string"}},
            "identities": {"type": "array", "items": {"type": "string"}}, "health": health}},
        "PersonDetail": {"type": "object", "properties": {
            "person_id": {"type": "string"}, "name": {"type": "string"}, "health": health,
            "identities": {"type": "array", "items": {"type": "object"}},
            "timeline": {"type": "array", "items": {"type": "object", "properties": {
                "occurred_at": DATE_TIME, "direction": {"type": "string"}, "kind": {"type": "string"},
                "note": NULLABLE_STR, "platform": NULLABLE_STR, "url": NULLABLE_STR, "text": NULLABLE_STR}}},
            "snapshots": {"type": "array", "items": {"type": "object"}}}},
        "DigestAction": {"type": "object", "description": "One line of the digest's ranked action list."},
        "Source": {"type": "object", "properties": {
            "source": {"type": "string"}, "type": {"type": "string"}, "enabled": {"type": "boolean"},
            "last_success": {**DATE_TIME, "type": ["string", "null"]}, "last_error": NULLABLE_STR,
            "last_error_at": {**DATE_TIME, "type": ["string", "null"]},
            "next_allowed_at": {**DATE_TIME, "type": ["string", "null"]}, "note": NULLABLE_STR,
            "posts_stored": {"type": "integer"}, "cursor": {"type": "object"}}},
        "Stats": {"type": "object", "properties": {k: {"type": "integer"} for k in
                                                   ("posts", "people", "identities", "tagged", "interactions",
                                                    "queue_pending", "alerts")}
                  | {"posts_by_platform": {"type": "object", "additionalProperties": {"type": "integer"}}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "listenwell API", "version": "1",
                 "description": "Read-only: the reply queue, the reach-out list, people and their relationship "
                                "health, the daily digest, source health and counts. Authenticate with an API "
                                "token (`listenwell tokens create NAME`) as `Authorization: Bearer <token>`. "
                                "Dates are ISO 8601."},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "an API token: lwt_<id>_<secret>"},
                                "query_token": {"type": "apiKey", "in": "query", "name": "token",
                                                "description": "for /calendar.ics only"}},
            "schemas": schemas,
            "responses": {
                "Unauthorized": {"description": "No token, or an unknown or revoked one",
                                 "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "BadRequest": {"description": "A parameter out of range",
                               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "NotFound": {"description": "No such item",
                             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        },
        "paths": {
            "/api/v1/queue": _get("Suggested replies, most important first", _page("#/components/schemas/QueueItem"),
                                  PAGING + [
                                      {"name": "status", "in": "query", "schema": {"type": "string", "default": "pending",
                                       "enum": ["pending", "approved", "sending", "sent", "dismissed", "answered", "all"]}},
                                      {"name": "assigned", "in": "query", "schema": {"type": "string"},
                                       "description": "Only items assigned to this user."}]),
            "/api/v1/reach-out": _get("Who deserves a personal touch, why, and what to do",
                                      _page("#/components/schemas/ReachOut"), PAGING),
            "/api/v1/people": _get("People with their relationship health, key clients first",
                                   _page("#/components/schemas/Person"), PAGING + [
                                       {"name": "cooling", "in": "query", "schema": {"type": "boolean"}}]),
            "/api/v1/people/{person_id}": {"get": {
                **_get("One person: identities, health, timeline", {"$ref": "#/components/schemas/PersonDetail"},
                       [{"name": "person_id", "in": "path", "required": True, "schema": {"type": "string"}}])["get"],
                "responses": {**_get("", {"$ref": "#/components/schemas/PersonDetail"})["get"]["responses"],
                              "404": {"$ref": "#/components/responses/NotFound"}}}},
            "/api/v1/digest": _get("A day's digest: its action list (paged) and the rest under `digest`",
                                   _page("#/components/schemas/DigestAction", {"digest": {"type": "object"}}),
                                   PAGING + [{"name": "date", "in": "query",
                                              "schema": {"type": "string", "format": "date"}}]),
            "/api/v1/sources": _get("Each source's health and cursor", _page("#/components/schemas/Source"), PAGING),
            "/api/v1/stats": _get("Counts", {"$ref": "#/components/schemas/Stats"}),
            "/calendar.ics": {"get": {
                "summary": "The reach-out list as an iCalendar feed (all-day events, today)",
                "security": [{"query_token": []}, {"bearer": []}],
                "parameters": [{"name": "token", "in": "query", "schema": {"type": "string"}},
                               {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 50}}],
                "responses": {"200": {"description": "text/calendar",
                                      "content": {"text/calendar": {"schema": {"type": "string"}}}},
                              "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        },
    }
