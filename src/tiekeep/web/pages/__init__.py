"""The HTML pages: one module per page, each the twin of an API resource."""

from __future__ import annotations

from fastapi import APIRouter

# The navigation: (route name, label). A page shows in the menu once its module is
# registered; labels are translated in the template.
NAV: tuple[tuple[str, str], ...] = (
    ("dashboard", "Dashboard"),
    ("contacts_page", "Contacts"),
    ("log_page", "Log"),
    ("import_page", "Import"),
    ("network_page", "Network"),
    ("review_page", "Review"),
    ("settings_page", "Settings"),
)


def build_router() -> APIRouter:
    """Every page module's router (left out of the OpenAPI description)."""
    from tiekeep.web.pages import auth, calendar, contact, contacts, dashboard, log, settings

    router = APIRouter(include_in_schema=False)
    for module in (auth, dashboard, contacts, contact, log, settings, calendar):
        router.include_router(module.router)
    return router
