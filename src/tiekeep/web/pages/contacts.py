"""The contacts list: search-as-you-type, filters, adding a contact, and bulk tag/tier edits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from starlette.datastructures import URL

from tiekeep.core.enums import Tier
from tiekeep.services import bulk, contacts, directory
from tiekeep.web import schemas, views
from tiekeep.web.deps import CurrentUser, ReadSession, StateDep, WriteSession
from tiekeep.web.rendering import redirect, render, safe_next, translations

router = APIRouter()
PAGE = 50
Q = Annotated[str, Query(max_length=200, pattern=r"^[^\x00-\x1f]*$")]
Filter = Annotated[str, Query(max_length=300)]


def _more(request: Request, next_offset: int | None) -> URL | None:
    """The link to the next page of the same list."""
    if next_offset is None:
        return None
    query = {**request.query_params, "offset": str(next_offset)}
    return request.url_for("contacts_page").include_query_params(**query)


def _filters(q: str, tier: str, tag: str, organization: str, department: str,
             sort: str) -> directory.Filters:
    return directory.Filters(q=q, tier=tier or None, tag=tag or None,
                             organization=organization or None,
                             department=department or None,
                             sort=sort if sort in ("name", "last-contact", "strength")
                             else "name")


def _page(state: Any, session: Any, owner_id: int, filters: Any, offset: int) -> Any:
    """One page of the filtered list, from the view cache (shared by the page and its rows)."""
    return state.cache.get(("contacts", owner_id, filters, PAGE, offset),
                           lambda: views.contact_page(session, owner_id=owner_id,
                                                      filters=filters, limit=PAGE,
                                                      offset=offset))


@router.get("/contacts", name="contacts_page")
def contacts_page(request: Request, user: CurrentUser, state: StateDep, session: ReadSession,
                  q: Q = "",
                  tier: Filter = "", tag: Filter = "", organization: Filter = "",
                  department: Filter = "", sort: Filter = "name",
                  offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> Response:
    """Contacts, searched and filtered (JSON twin: GET /api/v1/contacts)."""
    filters = _filters(q, tier, tag, organization, department, sort)
    data = _page(state, session, user.id, filters, offset)
    twin = request.url_for("list_contacts").include_query_params(**request.query_params)
    return render(request, "contacts.html", {"data": data, "filters": filters,
                                             "more_url": _more(request, data["next_offset"]),
                                             "tiers": [t.value for t in Tier],
                                             "json_twin": twin}, user=user)


@router.get("/contacts/rows", name="contact_rows")
def contact_rows(request: Request, user: CurrentUser, state: StateDep, session: ReadSession,
                 q: Q = "",
                 tier: Filter = "", tag: Filter = "", organization: Filter = "",
                 department: Filter = "", sort: Filter = "name",
                 offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> Response:
    """Just the rows of the list, for search-as-you-type."""
    filters = _filters(q, tier, tag, organization, department, sort)
    data = _page(state, session, user.id, filters, offset)
    return render(request, "_contact_rows.html", {
        "data": data, "filters": filters, "more_url": _more(request, data["next_offset"])},
        user=user)


@router.post("/contacts", name="contact_create")
def contact_create(
    request: Request, user: CurrentUser, session: WriteSession,
    name: Annotated[str, Form(min_length=1, max_length=300)],
    email: Annotated[str, Form(max_length=320)] = "",
    organization: Annotated[str, Form(max_length=300)] = "",
    department: Annotated[str, Form(max_length=300)] = "",
    title: Annotated[str, Form(max_length=300)] = "",
    tier: Annotated[schemas.TierName, Form()] = "regular",
) -> Response:
    """Add a contact and open its page."""
    data = contacts.ContactCreate(name=name, emails=[email] if email.strip() else [],
                                  organization=organization or None,
                                  department=department or None, title=title or None,
                                  tier=tier)
    contact = contacts.create(session, owner_id=user.id, data=data, actor=user.username)
    return redirect(request, str(request.url_for("contact_page", contact_id=contact.id)))


@router.post("/contacts/bulk", name="contacts_bulk")
def contacts_bulk(
    request: Request, user: CurrentUser, session: WriteSession,
    ids: Annotated[list[int], Form(max_length=1000)] = [],  # noqa: B006
    tier: Annotated[str, Form(max_length=16)] = "",
    add_tag: Annotated[str, Form(max_length=100)] = "",
    remove_tag: Annotated[str, Form(max_length=100)] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Set the tier of, or tag, the selected contacts."""
    changed = bulk.update_many(session, owner_id=user.id, contact_ids=ids, tier=tier or None,
                               add_tags=[add_tag] if add_tag.strip() else [],
                               remove_tags=[remove_tag] if remove_tag.strip() else [],
                               actor=user.username)
    _, catalog = translations(request, user)
    return redirect(request, safe_next(back, str(request.url_for("contacts_page"))),
                    flash=catalog.gettext("Updated %(n)s contacts.") % {"n": len(changed)})
