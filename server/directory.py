"""Staff who sign in through the city's identity provider (OpenID Connect, issue 23): the accounts the
first sign-in makes from the ID token's claims, the roles and departments an admin maps the
provider's groups to, and the refusal of a person whose groups no longer give a role.

The provider's ``sub`` (with its issuer) is the key of such an account; a username is only a label,
so a person in the directory never takes over a local account of the same name. A directory account
has no password: its hash is not an argon2 hash, so the password form can never open it.

A refusal deactivates the account, which ends the person's open sessions at their next request as an
admin's deactivation does (counter/routes.py ``_user`` asks ``staff.may_log_in``). Only an account
the directory itself deactivated is opened again by a later sign-in with a role. The HTTP part (the
flow, the tokens' checks) is in server/web/oidc.py; this module sees only verified claims.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from server import audit, staff
from server.errors import N_, NotFound
from server.models import ROLES, DirectoryAccount, DirectoryGroup, StaffUser, utcnow
from server.requests import FormInvalid

NO_PASSWORD = "!directory"  # not an argon2 hash: a password check always fails
REFUSED = {
    "no_role": N_("Your account in the city's directory gives you no role in Luukku. Ask your admin to "
                  "add you to a group that has one."),
    "disabled": N_("Your Luukku account has been deactivated. Ask your admin."),
    "claims": N_("The identity provider did not say who you are. Ask your admin."),
}


@dataclass(frozen=True)
class SignIn:
    user: StaffUser | None = None
    refused: str | None = None  # a key of REFUSED


# --- local passwords -------------------------------------------------------------------------------


def break_glass_admins(settings) -> set[str]:
    return {name.strip().lower() for name in settings.oidc_break_glass_admins.split(",") if name.strip()}


def password_allowed(settings, username: str) -> bool:
    """Whether the password form may check this username's password: always, unless local passwords
    are off, and then only for the named break-glass admins."""
    return not settings.oidc_passwords_off or username.strip().lower() in break_glass_admins(settings)


# --- the groups' mapping -------------------------------------------------------------------------


def groups_in(claims: dict, claim: str) -> list[str]:
    """The groups a token names: ``claim`` may be a dotted path (Keycloak's ``realm_access.roles``);
    a list of names, or one name."""
    value = claims
    for part in claim.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, (str, int))]
    return []


def mappings(session: Session) -> list[DirectoryGroup]:
    return list(session.exec(select(DirectoryGroup).order_by(DirectoryGroup.name)))


def grant(session: Session, groups: list[str]) -> tuple[str | None, int | None, list[str]]:
    """The role (the highest any group gives), its department, and the mapped groups among ``groups``."""
    mapped = [m for m in mappings(session) if m.name in set(groups)]
    if not mapped:
        return None, None, []
    top = max(mapped, key=lambda m: ROLES.index(m.role))
    department = top.department_id or next((m.department_id for m in mapped if m.role == top.role
                                            and m.department_id), None)
    return top.role, department, sorted(m.name for m in mapped)


def save_mapping(session: Session, admin_id: int, values: dict) -> DirectoryGroup:
    """A group's role and department, new or changed (by its name); every directory account takes it
    at once."""
    fields: dict[str, str] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        fields["name"] = N_("Give the group's name as the identity provider sends it.")
    elif len(name) > 200:
        fields["name"] = N_("A group's name has at most 200 characters.")
    role, department_id = staff.role_and_department(session, values, fields)
    if fields:
        raise FormInvalid(fields)
    mapping = session.exec(select(DirectoryGroup).where(DirectoryGroup.name == name)).first()
    mapping = mapping or DirectoryGroup(name=name, role=role)
    mapping.role, mapping.department_id = role, department_id
    session.add(mapping)
    session.flush()
    audit.record(session, admin_id, "directory.mapping", target=f"group:{mapping.id}", detail=f"role={role}")
    reapply(session, admin_id)
    return mapping


def get_mapping(session: Session, mapping_id: int) -> DirectoryGroup:
    mapping = session.get(DirectoryGroup, mapping_id)
    if mapping is None:
        raise NotFound(N_("There is no such group mapping."))
    return mapping


def remove_mapping(session: Session, admin_id: int, mapping_id: int) -> None:
    mapping = get_mapping(session, mapping_id)
    session.delete(mapping)
    session.flush()
    audit.record(session, admin_id, "directory.mapping_removed", target=f"group:{mapping_id}")
    reapply(session, admin_id)


def reapply(session: Session, admin_id: int | None) -> None:
    """Every directory account's role again from the groups of its last sign-in: a group an admin no
    longer maps ends its people's sessions now, not at their next sign-in."""
    for account in session.exec(select(DirectoryAccount)):
        user = session.get(StaffUser, account.staff_user_id)
        role, department_id, _ = grant(session, json.loads(account.groups))
        _apply(session, account, user, role, department_id, admin_id, utcnow())


def _apply(session: Session, account: DirectoryAccount, user: StaffUser, role: str | None,
           department_id: int | None, actor: int | None, now: datetime) -> None:
    """The role the directory gives (None: none), with an audit row for each change."""
    if role is None:
        if user.active:
            user.active = False
            account.refused_at = now
            audit.record(session, actor, "directory.refused", target=f"staff:{user.id}", detail=f"role {user.role}->none")
        session.add_all([user, account])
        return
    if not user.active and account.refused_at is not None:
        user.active = True  # the directory deactivated it, and now gives a role again
        account.refused_at = None
    if (user.role, user.department_id) != (role, department_id):
        audit.record(session, actor, "directory.role", target=f"staff:{user.id}",
                     detail=f"role {user.role}->{role}; department {user.department_id}->{department_id}")
        user.role, user.department_id = role, department_id
    session.add_all([user, account])


# --- signing in --------------------------------------------------------------------------------


def _free_username(session: Session, claims: dict, subject: str) -> str:
    """A readable, unused username: the login name or email the provider sends, else its subject."""
    base = str(claims.get("preferred_username") or claims.get("email") or subject).strip().lower()[:72] or "staff"
    name, n = base, 1
    while session.exec(select(StaffUser).where(StaffUser.username == name)).first() is not None:
        n += 1
        name = f"{base}-{n}"
    return name


def sign_in(session: Session, issuer: str, claims: dict, groups_claim: str, address: str,
            now: datetime | None = None) -> SignIn:
    """In a write transaction: the account of verified ID token ``claims``, made or brought up to date
    from them, or the reason it is refused. Every outcome leaves an audit row."""
    now = now or utcnow()
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255:
        audit.record(session, None, "directory.refused", target="directory", detail=f"no subject; address={address}")
        return SignIn(refused="claims")
    role, department_id, groups = grant(session, groups_in(claims, groups_claim))
    account = session.exec(select(DirectoryAccount).where(DirectoryAccount.issuer == issuer,
                                                          DirectoryAccount.subject == subject)).first()
    if account is None:
        if role is None:
            audit.record(session, None, "directory.refused", target="directory",
                         detail=f"no role, no account; address={address}")
            return SignIn(refused="no_role")
        user = StaffUser(username=_free_username(session, claims, subject), display_name="", role=role,
                         department_id=department_id, password_hash=NO_PASSWORD)
        session.add(user)
        session.flush()
        account = DirectoryAccount(staff_user_id=user.id, issuer=issuer, subject=subject)
        audit.record(session, None, "directory.create", target=f"staff:{user.id}", detail=f"role={role}")
    else:
        user = session.get(StaffUser, account.staff_user_id)
    user.display_name = str(claims.get("name") or claims.get("email") or user.username)[:200]
    account.email = str(claims.get("email") or "")[:320]
    account.groups = json.dumps(groups)
    _apply(session, account, user, role, department_id, None, now)
    if role is None:
        audit.record(session, user.id, "directory.refused", target="directory", detail=f"no role; address={address}")
        return SignIn(refused="no_role")
    if not user.active:
        audit.record(session, user.id, "directory.refused", target="directory", detail=f"deactivated; address={address}")
        return SignIn(refused="disabled")
    account.last_sign_in_at = now
    session.add(account)
    audit.record(session, user.id, "login", target="directory", detail=f"address={address}")
    return SignIn(user=user)


def account_of(session: Session, user_id: int) -> DirectoryAccount | None:
    return session.exec(select(DirectoryAccount).where(DirectoryAccount.staff_user_id == user_id)).first()
