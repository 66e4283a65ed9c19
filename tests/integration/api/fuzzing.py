"""Schemathesis harness shared by the in-suite fuzz test and bench/fuzz_api.py.

The schema is loaded from the live WSGI application (/api/schema/?format=json) and every
operation is called in-process with a token: provider operations as provider staff
(alice of "ahec"), the others as a technologist (bob). Path ids are drawn half from the
fuzzer and half from objects that exist and belong to the caller, so the real code paths
(validation, services, 404s for others' objects) are exercised, not only "not found".
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from catalog.models import Course, Package
from catalog.services import catalog_import
from matching.models import Bundle, MatchingRun
from obligations.models import ObligationTemplate
from obligations.services import obligation_add, templates_load_file
from plans.models import PlanItem
from plans.private_courses import PrivateCourseInput, private_course_create
from plans.services import plan_choose, prescription_create
from prescriptions.documents import prescription_spec_from_document
from tests.integration.api.conftest import CT_DOSE, CT_IMAGE, GAGE_LIVE, PRESCRIPTION

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Per operation and generation mode (valid inputs, invalid inputs); the bench raises it.
MAX_EXAMPLES = int(os.environ.get("CQR_FUZZ_MAX_EXAMPLES", "3"))
REPORT = os.environ.get("CQR_FUZZ_REPORT", "")  # bench/fuzz_api.py: where to write the counts
CONSTANTS = os.environ.get("CQR_FUZZ_CONSTANTS") == "1"  # also draw literals from our code


@dataclass
class World:
    """The callers' tokens, and where to find ids of existing objects per path parameter
    (looked up when an operation starts: earlier operations create and delete objects)."""

    id_sources: dict[str, Callable[[], list[int]]]
    staff_token: str
    technologist_token: str
    calls: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))

    def headers_for(self, path: str) -> dict[str, str]:
        if path == "/api/v1/auth/token/delete/":
            token = disposable_token()  # revoking the callers' own tokens would end the run
        elif path.startswith("/api/v1/provider/"):
            token = self.staff_token
        else:
            token = self.technologist_token
        # The in-process WSGI transport does not undo GZipMiddleware (HTTP clients do).
        return {"Authorization": f"Token {token}", "Accept-Encoding": "identity"}

    def record(self, label: str, status: int) -> None:
        self.calls[label] += 1
        self.statuses[label][status] += 1

    def write_report(self, path: str | os.PathLike[str], *, failures: list[str]) -> None:
        data = {
            "max_examples": MAX_EXAMPLES,
            "cases": sum(self.calls.values()),
            "failures": failures,
            "operations": {
                label: {"cases": self.calls[label], "statuses": dict(self.statuses[label])}
                for label in sorted(self.calls)
            },
        }
        Path(path).write_text(json.dumps(data, indent=2))


def disposable_token() -> str:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user, _ = get_user_model().objects.get_or_create(username="fuzz-disposable")
    token, _ = Token.objects.get_or_create(user=user)
    return str(token.key)


def build_world(*, alice: Any, bob: Any, charlie: Any, outline: Any) -> World:
    """A catalog (ahec's two courses and a package, gage's one), and bob's prescription
    with a computed run and a chosen plan. Alice (staff of ahec) owns the catalog objects,
    bob (a technologist) the prescription objects; also used by the access matrix."""
    package = {
        "code": "ahec-pack",
        "provider": "ahec",
        "title": "CT pack",
        "price": "45.00",
        "courses": ["ahec-ct-dose", "ahec-ct-image"],
    }
    catalog_import(
        document={
            "format": "cqr-catalog/1",
            "courses": [CT_DOSE, CT_IMAGE, GAGE_LIVE],
            "packages": [package],
        },
        source="fuzz",
    )
    from matching.services.runs import run_execute

    # Bob's own course (private): a candidate of his prescription, too dear to be chosen.
    private_course_create(
        owner=bob,
        data=PrivateCourseInput(
            title="Dose course bob found",
            provider_name="Regional hospital",
            format="online",
            price=Decimal("900.00"),
            ce_credits=Decimal("2.00"),
            distribution=((outline.subcategories.get(name="Image Formation"), Decimal(2)),),
        ),
    )
    prescription = prescription_create(
        owner=bob, spec=prescription_spec_from_document(dict(PRESCRIPTION))
    )
    run = prescription.runs.get()
    run_execute(run_id=run.pk)
    plan_choose(prescription=prescription, bundle=run.bundles.get(rank=1))
    # Bob's obligation (a state licence picked from the shipped templates).
    templates_load_file()
    obligation_add(
        owner=bob,
        template=ObligationTemplate.objects.get(code="tx-mrt"),
        due_on=timezone.localdate() + timedelta(days=100),
        credentials=set(),
    )
    id_sources: dict[str, Callable[[], list[int]]] = {
        "course_id": lambda: list(
            Course.objects.filter(provider__code="ahec").values_list("id", flat=True)
        ),
        "package_id": lambda: list(
            Package.objects.filter(provider__code="ahec").values_list("id", flat=True)
        ),
        "prescription_id": lambda: list(bob.prescriptions.values_list("id", flat=True)),
        "run_id": lambda: list(
            MatchingRun.objects.filter(prescription__owner=bob).values_list("id", flat=True)
        ),
        "item_id": lambda: list(
            PlanItem.objects.filter(plan__prescription__owner=bob).values_list("id", flat=True)
        ),
        "bundle_id": lambda: list(
            Bundle.objects.filter(run__prescription__owner=bob).values_list("id", flat=True)
        ),
        "provider_id": lambda: list(
            alice.provider_memberships.values_list("provider_id", flat=True)
        ),
        "private_course_id": lambda: list(bob.private_courses.values_list("id", flat=True)),
        "obligation_id": lambda: list(bob.obligations.values_list("id", flat=True)),
    }
    staff = Token.objects.get_or_create(user=alice)[0].key
    technologist = Token.objects.get_or_create(user=bob)[0].key
    return World(id_sources=id_sources, staff_token=staff, technologist_token=technologist)


def load_schema(*, constants: bool = False) -> Any:
    """The OpenAPI schema as the running application serves it. `constants`: let
    schemathesis also draw literals from our source code (slower to start)."""
    from cqr_portal.wsgi import application

    with connections_kept_open():
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    schema.config.analysis.constants.enabled = constants
    return schema


def operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def has_inputs(operation: Any) -> bool:
    return bool(len(operation.path_parameters) or len(operation.query) or len(operation.body))


def case_strategy(world: World, operation: Any, mode: GenerationMode) -> Any:
    """Cases for one operation; half of them get path ids of the caller's real objects."""
    strategy = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    found = {name: world.id_sources[name]() for name in names if name in world.id_sources}
    known = {name: ids for name, ids in found.items() if ids}
    if not known:
        return strategy
    real_ids = st.fixed_dictionaries({name: st.sampled_from(v) for name, v in known.items()})

    def with_real_ids(pair: tuple[Any, dict[str, int]]) -> Any:
        case, ids = pair
        case.path_parameters = {**(case.path_parameters or {}), **ids}
        return case

    return st.one_of(strategy, st.tuples(strategy, real_ids).map(with_real_ids))


def run_cases(world: World, strategy: Any, *, max_examples: int, derandomize: bool) -> None:
    @given(case=strategy)
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=derandomize,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        call_and_check(world, case)

    run()


def fuzz(world: World, schema: Any, *, max_examples: int, derandomize: bool) -> list[str]:
    """Every operation: its documented examples once, then `max_examples` generated cases
    with valid inputs and as many with invalid ones. Deleting operations go last, so the
    others still find the objects. Returns the failures (empty: none)."""
    with connections_kept_open():
        return _fuzz(world, schema, max_examples=max_examples, derandomize=derandomize)


@contextmanager
def connections_kept_open() -> Iterator[None]:
    """Calls go through the real WSGI handler, whose request signals close the database
    connection after each response; in a test that would end the test's transaction (on
    PostgreSQL), so do what Django's test client does and keep it open meanwhile."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(world: World, schema: Any, *, max_examples: int, derandomize: bool) -> list[str]:
    failures: list[str] = []
    ordered = sorted(operations(schema), key=lambda op: op.path.endswith("/delete/"))
    for operation in ordered:
        plans: list[tuple[str, Any, int]] = [
            ("example", example, 1) for example in operation.get_strategies_from_examples()
        ]
        plans.append(
            ("positive", case_strategy(world, operation, GenerationMode.POSITIVE), max_examples)
        )
        if has_inputs(operation):  # nothing to make invalid otherwise
            negative = case_strategy(world, operation, GenerationMode.NEGATIVE)
            plans.append(("negative", negative, max_examples))
        for name, strategy, examples in plans:
            try:
                run_cases(world, strategy, max_examples=examples, derandomize=derandomize)
            except Exception as exc:
                failures.append(f"{operation.label} ({name}): {exc}")
    return failures


def call_and_check(world: World, case: Any) -> None:
    response = case.call_and_validate(headers=world.headers_for(case.path), checks=CHECKS)
    world.record(f"{case.method.upper()} {case.path}", response.status_code)
