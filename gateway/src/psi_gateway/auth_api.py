"""/api/v1/auth: tokens, the public key set, and user administration (admin only)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate

from psi_chassis.api_schemas import MAX_PAGE, MAX_PAGE_SIZE, StrictSchema, WholeText
from psi_chassis.auth import authorize
from psi_chassis.errors import InvalidRequest
from psi_contracts.permissions import ROLES, lookup
from psi_gateway.identity import PASSWORD_MAX, PASSWORD_MIN

blueprint = Blueprint("auth", __name__, url_prefix="/api/v1/auth")

# The whole name (WholeText: re.match's "$" would let "clerk\n" through).
_USERNAME = WholeText(r"^[A-Za-z0-9_.@-]{3,64}$", error="3-64 letters, digits or _ . @ -")
_PASSWORD = validate.Length(min=PASSWORD_MIN, max=PASSWORD_MAX)
_ROLE_LIST = fields.List(fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(min=1))


class TokenRequest(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=128))


class RefreshRequest(StrictSchema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=256))


class UserCreate(StrictSchema):
    username = fields.String(required=True, validate=_USERNAME)
    password = fields.String(required=True, validate=_PASSWORD)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1))
    active = fields.Boolean(load_default=True)


class UserUpdate(StrictSchema):
    password = fields.String(validate=_PASSWORD)
    roles = _ROLE_LIST
    active = fields.Boolean()


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def _load(schema: Schema, data: Any) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise InvalidRequest("The request failed validation; see errors.", errors=exc.messages) from exc


def _json_body() -> Any:
    """The parsed body. The request hook has already refused a body that is not JSON (415) or not valid,
    too deep or with a key given twice (400); an empty body is an empty object, whose missing fields the schema
    names (422), exactly as in the services."""
    if not request.get_data(cache=True):
        return {}
    return request.get_json(force=True)


def _runtime() -> Any:
    return current_app.extensions["psi_gateway"]


@blueprint.before_request
def _authorize() -> None:
    rt = _runtime()
    rule = request.url_rule
    if rule is None or request.method == "OPTIONS":
        return
    permission = lookup("GET" if request.method == "HEAD" else request.method, rule.rule)
    if permission is not None and permission.public and rule.rule.endswith(("/token", "/refresh")):
        rt.limits.hit("login", request.remote_addr or "unknown")
    g.principal = authorize(permission, request.headers.get("Authorization"), rt.verifier, rule.rule)


def _user_json(user: dict[str, Any]) -> dict[str, Any]:
    return {**user, "created_at": user["created_at"].isoformat(), "updated_at": user["updated_at"].isoformat()}


@blueprint.post("/token")
def issue_token() -> Response:
    body = _load(TokenRequest(), _json_body())
    return jsonify(_runtime().identity.login(body["username"], body["password"]))


@blueprint.post("/refresh")
def refresh_token() -> Response:
    body = _load(RefreshRequest(), _json_body())
    return jsonify(_runtime().identity.refresh(body["refresh_token"]))


@blueprint.get("/jwks")
def jwks() -> Response:
    response = jsonify(_runtime().identity.key.jwks)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blueprint.get("/me")
def me() -> Response:
    principal = g.principal
    return jsonify({"id": principal.user_id, "username": principal.username, "roles": sorted(principal.roles)})


@blueprint.get("/users")
def list_users() -> Response:
    args = _load(PageQuery(), request.args.to_dict())
    items, total = _runtime().identity.list_users(args["page"], args["page_size"])
    return jsonify(
        {"items": [_user_json(u) for u in items], "page": args["page"], "page_size": args["page_size"], "total": total}
    )


@blueprint.post("/users")
def create_user() -> tuple[Response, int, dict[str, str]]:
    body = _load(UserCreate(), _json_body())
    user = _runtime().identity.create_user(body["username"], body["password"], body["roles"], body["active"])
    return jsonify(_user_json(user)), 201, {"Location": f"/api/v1/auth/users/{user['id']}"}


@blueprint.get("/users/<int:user_id>")
def get_user(user_id: int) -> Response:
    return jsonify(_user_json(_runtime().identity.get_user(user_id)))


@blueprint.patch("/users/<int:user_id>")
def update_user(user_id: int) -> Response:
    changes = _load(UserUpdate(), _json_body())
    if not changes:
        raise InvalidRequest("nothing to change", code="EMPTY_UPDATE")
    return jsonify(_user_json(_runtime().identity.update_user(user_id, changes)))
