"""API fuzzing: schemathesis generates requests for every operation of the app's own OpenAPI
description (/openapi.json), valid and invalid ones, authenticated with a Bearer token, a
bounded number per operation. No response is a 5xx, and every response matches the schema
its operation declares (status code, content type and body).

Path parameters are often swapped for ids of objects that exist, so that requests get past
the 404 and into the handlers.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import checks

from tests.reliability.edge_inputs import known_finding
from tests.reliability.support import record_figure
from tiekeep.core.db import Database
from tiekeep.services import accounts, contacts, followups, interactions, plans, users
from tiekeep.settings import load_settings

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("RELIABILITY_API_EXAMPLES", "12"))
CHECKS = [checks.not_a_server_error, checks.response_schema_conformance,
          checks.status_code_conformance, checks.content_type_conformance]


def _objects(db: Database) -> tuple[str, dict[str, list[Any]]]:
    """A user with a token and a few objects of each kind; returns (token, ids by parameter)."""
    from datetime import UTC, datetime

    with db.transaction() as session:
        user = users.create(session, username="fuzzer", password="correct horse battery")
        token = users.create_token(session, owner_id=user.id, name="schemathesis")
        people = [contacts.create(session, owner_id=user.id, data=contacts.ContactCreate(
            name=f"Contact {n}", emails=[f"c{n}@example.org"], organization="Acme",
            tags=["fuzz"])) for n in range(4)]
        interactions.log(session, owner_id=user.id, data=interactions.InteractionCreate(
            participant_ids=[people[0].id, people[1].id],
            occurred_at=datetime(2026, 1, 5, 10, tzinfo=UTC), format="lunch",
            topics=["roadmap"], next_steps=[("send the deck", None)]))
        followup = followups.create(session, owner_id=user.id, contact_id=people[0].id,
                                    text="call back")
        item = plans.add(session, owner_id=user.id, contact_id=people[1].id, kind="topic",
                         text="the move")
        accounts.rotate_calendar_token(session, user_id=user.id)
        return token, {"contact_id": [p.id for p in people], "followup_id": [followup.id],
                       "item_id": [item.id], "kind": ["csv", "json", "vcard"]}


def _schema(db: Database) -> tuple[Any, str]:
    """The app's schema, loaded from the app itself; path parameters often name real ids."""
    from tiekeep.web.app import create_app

    token, ids = _objects(db)
    app = create_app(load_settings(), db)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)

    @schema.hook("flatmap_path_parameters")  # type: ignore[untyped-decorator]
    def existing_objects(_context: Any, parameters: dict[str, Any]) -> Any:
        """Half of the time, ids of objects that exist (a random id is nearly always 404)."""
        known = {name: ids[name] for name in parameters or {} if name in ids}
        if not known:
            return st.just(parameters)
        real = st.fixed_dictionaries({name: st.sampled_from(values)
                                      for name, values in known.items()})
        return st.one_of(st.just(parameters), real.map(lambda chosen: {**parameters, **chosen}))

    return schema, token


def _failure(exc: BaseException) -> str:
    """The first lines of a schemathesis failure report."""
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return " | ".join(lines[:6])[:600]


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_5xx_and_every_response_matches_its_schema(db: Database, mode: str) -> None:
    from hypothesis import given
    from schemathesis import GenerationMode

    schema, token = _schema(db)
    headers = {"Authorization": f"Bearer {token}"}
    examples = EXAMPLES if db.dialect == "sqlite" else max(EXAMPLES // 3, 5)
    failures: list[tuple[str, str]] = []
    statuses: dict[str, set[int]] = {}
    known: dict[str, int] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        label = operation.label
        operations += 1
        tried = 0

        # No shrinking: a failure is reported as found, which keeps the run bounded.
        @settings(max_examples=examples, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=GenerationMode(mode)))
        def call(case: Any) -> None:
            nonlocal tried
            tried += 1
            response = None
            try:
                response = case.call(headers=headers)
                statuses.setdefault(label, set()).add(response.status_code)  # noqa: B023
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup):
                finding = known_finding(case, response, db.dialect)
                if finding is None:
                    raise
                # A known finding, reproduced by its own strict xfail in test_edge_inputs.
                known[finding] = known.get(finding, 0) + 1

        try:
            call()
        except Unsatisfiable:
            pass  # nothing to vary: an operation without parameters has no invalid inputs
        except (Exception, BaseExceptionGroup) as exc:  # one report per operation, then the next
            failures.append((label, _failure(exc)))
        record_figure("fuzz api", f"{label} ({mode})", tried)
    assert operations > 20
    assert failures == [], "\n".join(f"{label}: {text}" for label, text in failures)
    for finding, times in sorted(known.items()):
        record_figure("fuzz api known findings", finding, times)
    if mode == "positive":
        # The ids above let requests reach the handlers: most operations answered 2xx.
        reached = [label for label, codes in statuses.items() if any(c < 300 for c in codes)]
        assert len(reached) >= operations // 2, sorted(statuses.items())

