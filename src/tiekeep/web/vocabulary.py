"""Words of the domain that pages show as labels (enum values, strength parts, audit
actions), marked here so that the catalogs carry them; a test checks that every enum value
is listed."""

from __future__ import annotations

from tiekeep.web.rendering import N_

TERMS: dict[str, tuple[str, ...]] = {
    "tier": (N_("key"), N_("regular"), N_("supporting"), N_("dormant")),
    "horizon": (N_("long_term"), N_("project")),
    "initiator": (N_("me"), N_("them"), N_("mutual")),
    "direction": (N_("given"), N_("received")),
    "value_kind": (N_("information"), N_("resource"), N_("social"), N_("professional")),
    "link_kind": (N_("knows"), N_("introduced"), N_("reports_to"), N_("works_with")),
    "status": (N_("active"), N_("archived")),
    "format": (
        N_("one_on_one"), N_("team_meeting"), N_("project_sync"), N_("status_update"),
        N_("discussion"), N_("feedback"), N_("lunch"), N_("coffee"), N_("corporate_event"),
        N_("offsite"), N_("chat"), N_("email"), N_("call"), N_("video_call"),
        N_("online_event"), N_("virtual_coffee"), N_("social_post"), N_("letter"),
        N_("other"),
    ),
    "category": (N_("recommendation"), N_("referral"), N_("advice"), N_("opportunity")),
    "plan_kind": (N_("topic"), N_("support")),
    "strength_part": (N_("frequency"), N_("depth"), N_("diversity"), N_("reciprocity"),
                      N_("trust")),
    "audit_action": (N_("create"), N_("update"), N_("archive"), N_("unarchive"),
                     N_("delete"), N_("undelete"), N_("merge"), N_("role")),
    "agenda_kind": (N_("overdue"), N_("followup"), N_("date"), N_("role_change"),
                    N_("project_ended"), N_("give_first")),
    "stats_section": (N_("size"), N_("activity"), N_("formats"), N_("diversity"),
                      N_("reciprocity"), N_("trust"), N_("career"), N_("cadence_health"),
                      N_("layers")),
    "job_status": (N_("queued"), N_("running"), N_("done"), N_("failed")),
    "import_count": (N_("created"), N_("updated"), N_("merged"), N_("unchanged"),
                     N_("skipped"), N_("interactions"), N_("role_changes")),
}
