"""deploy/ checked offline (no Docker engine, no Azure CLI here): every environment variable the
files set is a real setting, every command line parses, grace periods outlast the drain, haproxy
accepts its configuration, and the alert rules name metrics the service exports."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from ivr.bridge.metrics import BridgeMetrics
from ivr.cli import build_parser
from ivr.guidance.ident_metrics import IdentMetrics
from ivr.records.metrics import RecordMetrics
from ivr.settings import Settings
from ivr.sim.haproxy import check_config
from ivr.web.drain import Drain, DrainPolicy

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
SETTINGS = {name.upper() for name in Settings.model_fields}
SECRETS = {name.upper() for name, field in Settings.model_fields.items() if SecretStr in getattr(
    field.annotation, "__args__", (field.annotation,))}
DRAIN_DEFAULT = Settings.model_fields["drain_seconds"].default
HANDOVERS_S = 30  # the hand-overs' own time after DRAIN_SECONDS (ivr.web.workers.HANDOVER_GRACE_S)
# Variables the image sets that are not the service's settings, each for a stated reason.
NOT_SETTINGS = {
    "PATH": "the virtualenv's bin first",
    "PYTHONUNBUFFERED": "log lines leave at once",
    "PYTHONDONTWRITEBYTECODE": "a read-only root filesystem",
    "XDG_CACHE_HOME": "where the address index cache is built into the image",
    "PIP_NO_CACHE_DIR": "build stage only",
    "PIP_DISABLE_PIP_VERSION_CHECK": "build stage only",
}


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def ivr_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose()["services"].items() if s.get("image", "").startswith("dispatch-ivr")}


def seconds(duration: str) -> int:
    """A compose duration (`6m`, `90s`, `1m30s`) in seconds."""
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert parts and duration, duration
    h, m, s = (int(p or 0) for p in parts.groups())
    return h * 3600 + m * 60 + s


def parses_as_ivr_command(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert callable(args.func)


def test_compose_runs_postgres_a_migration_two_instances_and_a_balancer() -> None:
    services = compose()["services"]
    instances = {n for n, s in ivr_services().items() if s["command"][0] == "serve"}
    assert len(instances) == 2
    assert ivr_services()["migrate"]["command"] == ["db", "upgrade"]
    assert services["db"]["image"].startswith("postgres:")
    for name in instances:
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert set(services["lb"]["depends_on"]) == instances


def test_compose_sets_only_real_settings_and_valid_commands() -> None:
    for name, service in ivr_services().items():
        assert set(service["environment"]) <= SETTINGS, name
        parses_as_ivr_command(service["command"])
        assert service["env_file"][0]["path"] == "./ivr.env"


def test_compose_keeps_secrets_in_the_env_file_and_trusts_only_haproxy() -> None:
    network = ipaddress.ip_network(compose()["networks"]["default"]["ipam"]["config"][0]["subnet"])
    balancer = ipaddress.ip_address(compose()["services"]["lb"]["networks"]["default"]["ipv4_address"])
    assert balancer in network
    for name, service in ivr_services().items():
        assert not set(service["environment"]) & SECRETS, name
        if service["command"][0] == "serve":
            assert service["environment"]["TRUSTED_PROXIES"] == str(balancer), name


def test_compose_stop_grace_outlasts_the_drain() -> None:
    for name, service in ivr_services().items():
        if service["command"][0] != "serve":
            continue
        drain = float(service["environment"].get("DRAIN_SECONDS", DRAIN_DEFAULT))
        assert service["stop_signal"] == "SIGTERM"
        assert seconds(service["stop_grace_period"]) > drain + HANDOVERS_S, name


def test_compose_haproxy_config_is_valid_and_names_every_instance() -> None:
    mount = next(v for v in compose()["services"]["lb"]["volumes"] if "haproxy.cfg" in v)
    path = DEPLOY / mount.split(":")[0]
    checked = check_config(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = path.read_text(encoding="utf-8")
    for name in ivr_services():
        if name != "migrate":
            assert re.search(rf"^\s+server {name} {name}:8080$", text, re.MULTILINE), name
    assert "option httpchk GET /readyz" in text and "option forwardfor" in text and "timeout tunnel" in text


def test_env_example_names_only_real_settings() -> None:
    names = re.findall(r"^([A-Z][A-Z0-9_]*)=", (DEPLOY / "env.example").read_text(encoding="utf-8"), re.MULTILINE)
    assert len(names) > 10
    assert set(names) <= SETTINGS


def test_dockerfile_is_multi_stage_non_root_and_drains() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    final = text.split("\nFROM ")[-1]
    assert len(re.findall(r"^FROM ", text, re.MULTILINE)) >= 2
    assert "-slim" in text
    assert re.search(r"^USER 10001:10001$", final, re.MULTILINE)
    assert "STOPSIGNAL SIGTERM" in final
    assert "load_or_build()" in final and "XDG_CACHE_HOME=/opt/cache" in final
    env_names = re.findall(r"(?:^ENV |\\\n\s+)([A-Z_]+)=", text, re.MULTILINE)
    assert env_names and [n for n in env_names if n not in SETTINGS and n not in NOT_SETTINGS] == []
    cmd = re.search(r'^CMD (\[.*\])$', final, re.MULTILINE)
    assert cmd and re.search(r'^ENTRYPOINT \["ivr"\]$', final, re.MULTILINE)
    parses_as_ivr_command(yaml.safe_load(cmd.group(1)))


def test_systemd_unit_waits_for_the_drain() -> None:
    text = (DEPLOY / "ivr.service").read_text(encoding="utf-8")
    stop = re.search(r"^TimeoutStopSec=(\d+)$", text, re.MULTILINE)
    assert stop and int(stop.group(1)) > DRAIN_DEFAULT + HANDOVERS_S
    serve = re.search(r"^ExecStart=\S+/ivr (.+)$", text, re.MULTILINE)
    assert serve
    parses_as_ivr_command(serve.group(1).split())


BICEP = DEPLOY / "azure" / "main.bicep"


def test_bicep_sets_only_real_settings() -> None:
    text = BICEP.read_text(encoding="utf-8")
    names = re.findall(r"\{ name: '([A-Z][A-Z0-9_]*)', (?:value|secretRef):", text)
    assert {"DATABASE_URL", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "DRAIN_SECONDS"} <= set(names)
    assert set(names) <= SETTINGS


def test_bicep_secrets_come_from_key_vault_with_a_managed_identity() -> None:
    text = BICEP.read_text(encoding="utf-8")
    secret_refs = set(re.findall(r"secretRef: '([a-z-]+)'", text))
    assert not set(re.findall(r"\{ name: '([A-Z][A-Z0-9_]*)', value:", text)) & SECRETS
    assert {"TWILIO_AUTH_TOKEN", "STREAM_TOKEN_SECRET", "METRICS_TOKEN"} <= set(
        re.findall(r"\{ name: '([A-Z][A-Z0-9_]*)', secretRef:", text))
    assert "keyVaultUrl: '${vault.properties.vaultUri}secrets/${name}'" in text
    assert {"database-url", "twilio-auth-token"} <= secret_refs
    assert "'Microsoft.ManagedIdentity/userAssignedIdentities" in text and "type: 'UserAssigned'" in text


def test_bicep_trusts_the_environments_infrastructure_subnet() -> None:
    text = BICEP.read_text(encoding="utf-8")
    assert "{ name: 'TRUSTED_PROXIES', value: appsSubnetCidr }" in text
    assert "infrastructureSubnetId: '${vnet.id}/subnets/apps'" in text
    assert re.search(r"name: 'apps'\s+properties: \{\s+addressPrefix: appsSubnetCidr", text)


def test_bicep_probes_scale_and_grace_period() -> None:
    text = BICEP.read_text(encoding="utf-8")
    assert "var graceSeconds = drainSeconds + 60" in text and "terminationGracePeriodSeconds: graceSeconds" in text
    assert re.search(r"type: 'Liveness'\s+httpGet: \{ path: '/healthz'", text)
    assert re.search(r"type: 'Readiness'\s+httpGet: \{ path: '/readyz'", text)
    assert re.search(r"http: \{ metadata: \{ concurrentRequests:", text)
    assert "minReplicas: minReplicas" in text and "maxReplicas: maxReplicas" in text
    assert "'Microsoft.DBforPostgreSQL/flexibleServers@" in text
    args = re.search(r"args: (\[ 'serve'.*\])", text)
    assert args
    parses_as_ivr_command(yaml.safe_load(args.group(1)))


def exported_metrics() -> set[str]:
    registry = CollectorRegistry()
    BridgeMetrics(registry)
    Drain(DrainPolicy(1, 1), registry)
    IdentMetrics(registry)
    RecordMetrics(registry)
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    return {metric.name + suffix for metric in registry.collect() for suffix in suffixes[metric.type]}


def alert_rules() -> list[dict[str, Any]]:
    return [rule for group in yaml.safe_load((DEPLOY / "alerts.yml").read_text(encoding="utf-8"))["groups"]
            for rule in group["rules"]]


def test_alerts_name_only_metrics_the_service_exports() -> None:
    exported = exported_metrics()
    rules = alert_rules()
    assert len(rules) >= 8
    for rule in rules:
        used = set(re.findall(r"\bivr_[a-z_]+", rule["expr"]))
        assert used <= exported, (rule["alert"], used - exported)


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_each_alert_is_explained_in_the_runbook(rule: dict[str, Any]) -> None:
    runbook = (DEPLOY / "README.md").read_text(encoding="utf-8")
    anchor = rule["annotations"]["runbook"].split("#", 1)[1]
    headings = {h.strip().lower().replace(" ", "-") for h in re.findall(r"^#+ (.+)$", runbook, re.MULTILINE)}
    assert anchor in headings
