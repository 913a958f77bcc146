"""Airbyte's own Docker standard tests (airbyte-cdk's `DockerConnectorTestSuite`, the suite
`airbyte-cdk image test` runs for a connector that is not written in Python) against this
connector's image.

Why a subclass rather than `airbyte-cdk image test`: the CLI picks its suite from metadata.yaml's
`language:` tag and knows no `language:rust`; making it run would mean writing `language:java` in
a metadata.yaml (even a temporary copy), which would say something false about the connector. The
CLI itself only adds `-m image_tests --connector-image IMAGE` to pytest, and it offers no way to
turn the read test on (`--read-from-streams`). Running the suite class directly with those same
arguments, plus `--read-from-streams=all`, tests the same things with nothing untrue anywhere.

    python -m pytest -p airbyte_cdk.test.standard_tests.pytest_hooks -m image_tests \
        --connector-image IMAGE --read-from-streams=all scripts/real-clients/test_airbyte_standards.py

`docker` must be on PATH (run.sh links ../shared/tools/container there as `docker`), and the
connector root's secrets/config.json must point at a running emulator. The root is this repository,
or AIRBYTE_CONNECTOR_ROOT: run.sh copies the files the suite reads (metadata.yaml,
acceptance-test-config.yml, spec.json, integration_tests/) into a temporary `source-tiktok-ads`
directory and writes its secrets/ there, so a developer's own secrets/config.json is left alone.
"""

import os
from pathlib import Path

from airbyte_cdk.test.standard_tests.docker_base import DockerConnectorTestSuite

CONNECTOR_ROOT = Path(os.environ.get("AIRBYTE_CONNECTOR_ROOT") or Path(__file__).resolve().parents[2])


class TestAirbyteStandards(DockerConnectorTestSuite):
    """The connector root holds metadata.yaml and acceptance-test-config.yml."""

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return CONNECTOR_ROOT
