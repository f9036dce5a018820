"""The HTML pages: one module per page, each the twin of an API resource."""

from __future__ import annotations

from fastapi import APIRouter

from tiekeep.web.rendering import N_

# The navigation: (route name, label). A page shows in the menu once its module is
# registered; labels are translated in the template.
NAV: tuple[tuple[str, str], ...] = (
    ("dashboard", N_("Dashboard")),
    ("contacts_page", N_("Contacts")),
    ("log_page", N_("Log")),
    ("import_page", N_("Import")),
    ("network_page", N_("Network")),
    ("stats_page", N_("Statistics")),
    ("review_page", N_("Review")),
    ("settings_page", N_("Settings")),
)


def build_router() -> APIRouter:
    """Every page module's router (left out of the OpenAPI description)."""
    from tiekeep.web.pages import (
        auth,
        calendar,
        contact,
        contacts,
        dashboard,
        imports,
        insights,
        log,
        settings,
    )

    router = APIRouter(include_in_schema=False)
    for module in (auth, dashboard, contacts, contact, log, imports, insights, settings,
                   calendar):
        router.include_router(module.router)
    return router
