"""Schemathesis against the live API: every operation, with valid and invalid inputs, as
provider staff and as a technologist. No 5xx, and every response (status code, content
type, body) conforms to the OpenAPI schema. The longer run is bench/fuzz_api.py."""

from __future__ import annotations

from typing import Any

from tests.integration.api import fuzzing


def test_the_api_never_fails_and_matches_its_schema(
    ct_outline: Any, alice: Any, bob: Any, charlie: Any
) -> None:
    world = fuzzing.build_world(alice=alice, bob=bob, charlie=charlie, outline=ct_outline)
    schema = fuzzing.load_schema(constants=fuzzing.CONSTANTS)
    failures = fuzzing.fuzz(
        world,
        schema,
        max_examples=fuzzing.MAX_EXAMPLES,
        derandomize=not fuzzing.REPORT,  # reproducible in the suite, random in the bench
    )
    if fuzzing.REPORT:
        world.write_report(fuzzing.REPORT, failures=failures)
    assert not failures, "\n\n".join(failures)
    # Every operation was called, in both modes.
    assert len(world.calls) == len(fuzzing.operations(schema))
