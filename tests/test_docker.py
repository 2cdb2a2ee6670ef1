"""docker/: what can be checked without a Docker engine. The compose file parses and
names only services, variables, settings and ports that exist; the proxy routes the
meeting socket to the nodes' port with the upgrade headers; coturn and MeetRoom share
one TURN secret; the image is multi-stage, non-root, health-checked, and its
entrypoint is the same `meetroom serve`, with settings MeetRoom accepts."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shlex
import tomllib
from typing import Any

import pytest
import yaml

from meetroom.__main__ import _parser, _settings
from meetroom.config import ENV_PREFIX, FIELD_NAMES, Settings, env_name
from meetroom.server.health import ENDPOINTS
from tests.processes import REPO

DOCKER = REPO / "docker"
NODES = ("meetroom-1", "meetroom-2")
SETTING_VARIABLES = {env_name(f) for f in FIELD_NAMES}
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}; "$$" is a literal dollar.
REFERENCE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
SECRET_WORDS = ("SECRET", "PASSWORD", "KEY")


# --- reading the files ---------------------------------------------------------------


def compose() -> dict[str, Any]:
    data = yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


def env_example() -> dict[str, str]:
    values = {}
    for line in (DOCKER / "env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"env.example: not KEY=VALUE: {line!r}"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in strings(k) + strings(v)]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return []


def interpolate(text: str, env: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2) or "", match.group(3) or ""
        value = env.get(name)
        if op == ":?" and not value:
            raise AssertionError(f"{name} is required ({arg}) and env.example leaves it empty")
        if op in (":-", "-") and (value is None or (op == ":-" and not value)):
            return arg
        return value or ""

    return REFERENCE.sub(one, text).replace("$$", "$")


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments left out."""
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def runtime_settings() -> dict[str, str]:
    """The MEETROOM_* variables the image's last stage sets."""
    instructions = dockerfile()
    last = max(i for i, (kind, _) in enumerate(instructions) if kind == "FROM")
    items = [i for k, v in instructions[last:] if k == "ENV" for i in shlex.split(v)]
    return dict(i.split("=", 1) for i in items if i.startswith(ENV_PREFIX))


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def nginx() -> str:
    text = (DOCKER / "nginx.conf").read_text(encoding="utf-8")
    return re.sub(r"#[^\n]*", "", text)


def node_port() -> int:
    args = _parser().parse_args(command_of(NODES[0]))
    port = args.port or Settings().port
    for name in NODES:
        assert (_parser().parse_args(command_of(name)).port or Settings().port) == port
    return int(port)


def command_of(service: str) -> list[str]:
    """What the node runs after the entrypoint: compose's command, else the image's CMD."""
    command = compose()["services"][service].get("command")
    if command is not None:
        return command if isinstance(command, list) else shlex.split(command)
    return exec_form(dict(dockerfile())["CMD"])


# --- compose.yaml --------------------------------------------------------------------


def test_compose_names_only_services_volumes_and_networks_it_defines() -> None:
    data = compose()
    services = data["services"]
    assert {"proxy", "postgres", "redis", "coturn", *NODES} <= set(services)
    volumes = set(data.get("volumes") or {})
    networks = set(data.get("networks") or {})
    for name, service in services.items():
        depends = service.get("depends_on") or []
        for other in list(depends) + list(service.get("links") or []):
            assert other.split(":")[0] in services, f"{name} depends on unknown {other}"
        for mount in service.get("volumes") or []:
            source = mount.split(":")[0] if isinstance(mount, str) else mount["source"]
            if not source.startswith((".", "/", "$")):
                assert source in volumes, f"{name} mounts undeclared volume {source}"
        for net in service.get("networks") or []:
            assert net in networks, f"{name} joins undeclared network {net}"
    for node in NODES:
        depends = services[node]["depends_on"]
        for backing in ("postgres", "redis"):
            assert depends[backing]["condition"] == "service_healthy", (node, backing)
            assert "healthcheck" in services[backing], backing


def test_compose_sets_only_real_settings() -> None:
    for name, service in compose()["services"].items():
        for key in environment(service):
            if key.startswith(ENV_PREFIX):
                assert key in SETTING_VARIABLES, f"{name}: {key} is not a MeetRoom setting"
    for key in env_example():
        if key.startswith(ENV_PREFIX):
            assert key in SETTING_VARIABLES, f"env.example: {key} is not a MeetRoom setting"


def test_every_variable_is_in_env_example_and_required_secrets_are_placeholders() -> None:
    text = (DOCKER / "compose.yaml").read_text(encoding="utf-8")
    referenced = {m.group(1) for m in REFERENCE.finditer(text)}
    required = {m.group(1) for m in REFERENCE.finditer(text) if m.group(2) == ":?"}
    example = env_example()
    assert referenced - set(example) == set(), "read by compose.yaml, not in env.example"
    assert set(example) - referenced == set(), "in env.example, never read by compose.yaml"
    for key in ("MEETROOM_SECRET_KEY", "MEETROOM_TURN_SECRET", "MEETROOM_PUBLIC_URL"):
        assert key in required, f"{key} must be required (${{{key}:?...}})"
    for key in required:
        assert example[key], f"env.example leaves the required {key} empty"
        if any(word in key for word in SECRET_WORDS):
            assert "change-me" in example[key], f"{key}: a placeholder, not a real secret"


@pytest.mark.parametrize("node", NODES)
def test_node_runs_meetroom_serve_with_settings_it_accepts(
    node: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The image's entrypoint and the node's environment, with env.example filled in,
    through MeetRoom's own argument parser and settings loader."""
    data = compose()
    service = data["services"][node]
    example = env_example()
    image_env = runtime_settings()
    env = {k: interpolate(v, example) for k, v in environment(service).items()}
    entrypoint = exec_form(dict(dockerfile())["ENTRYPOINT"])
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert entrypoint == ["meetroom"] and scripts["meetroom"] == "meetroom.__main__:main"

    for key in [k for k in os.environ if k.startswith(ENV_PREFIX)]:
        monkeypatch.delenv(key)
    for key, value in {**image_env, **env}.items():
        monkeypatch.setenv(key, value)
    args = _parser().parse_args(command_of(node))
    assert args.command == "serve"
    settings = _settings(args)

    assert settings.host == "0.0.0.0" and settings.port == node_port()
    assert settings.node_name == node
    assert settings.redis_url and settings.is_postgresql
    assert settings.trust_proxy_headers and settings.public_url.startswith("https://")
    assert settings.secret_key == example["MEETROOM_SECRET_KEY"]
    assert settings.turn_secret == example["MEETROOM_TURN_SECRET"] and settings.turn_url_list
    # Its documents live on the volume every node mounts.
    assert f"meetroom-data:{settings.data_dir}" in service["volumes"]
    # The SFU binds and announces the node's own fixed address on the compose network.
    address = service["networks"]["meetroom"]["ipv4_address"]
    subnet = ipaddress.ip_network(data["networks"]["meetroom"]["ipam"]["config"][0]["subnet"])
    assert settings.media_address_list == (address,) and ipaddress.ip_address(address) in subnet


def test_nodes_differ_only_in_name_and_address() -> None:
    services = compose()["services"]
    first, second = (environment(services[n]) for n in NODES)
    differing = {k for k in first.keys() | second.keys() if first.get(k) != second.get(k)}
    assert differing == {"MEETROOM_NODE_NAME", "MEETROOM_MEDIA_ADDRESSES"}


def test_no_image_names_a_registry_host() -> None:
    example = env_example()
    images = [interpolate(s.get("image", "x"), example) for s in compose()["services"].values()]
    args = dict(v.split("=", 1) for k, v in dockerfile() if k == "ARG" and "=" in v)
    for kind, value in dockerfile():
        if kind == "FROM":
            ref = value.split()[0]
            images.append(re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], ref))
    for image in images:
        first = image.split("/")[0]
        assert "/" not in image or not ("." in first or ":" in first or first == "localhost"), image


def test_image_is_multi_stage_non_root_and_health_checked() -> None:
    instructions = dockerfile()
    stages = [i for i, (kind, _) in enumerate(instructions) if kind == "FROM"]
    assert len(stages) >= 2, "a build stage and a runtime stage"
    runtime = instructions[stages[-1] :]
    users = [value.split(":")[0] for kind, value in runtime if kind == "USER"]
    assert users and users[-1] not in ("root", "0"), "the server runs as an unprivileged user"
    assert any(kind == "COPY" and "--from=" in value for kind, value in runtime)
    checks = [value for kind, value in runtime if kind == "HEALTHCHECK"]
    assert len(checks) == 1
    probe = exec_form(checks[0].split("CMD", 1)[1].strip())
    assert probe[0] == "python" and "urllib" in probe[-1], "slim images have no curl"
    url = re.search(r"http://127\.0\.0\.1:(\d+)/healthz", probe[-1])
    assert url and int(url.group(1)) == node_port()
    assert any(
        e.method == "GET" and e.path == "/healthz" and not e.authenticated for e in ENDPOINTS
    ), "the probe asks a path the server answers without signing in"
    volumes = [v for kind, value in runtime if kind == "VOLUME" for v in exec_form(value)]
    assert runtime_settings()["MEETROOM_DATA_DIR"] in volumes
    # The build context holds what the wheel is made of, never docker/.env.
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    ignore = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
    assert ignore[0] == "*", ".dockerignore lets in only what it names"
    for kind, value in instructions:
        if kind == "COPY" and "--from=" not in value:
            for source in value.split()[:-1]:
                assert "!" + source in ignore, f"{source} is copied but left out of the context"
    assert not any(entry.startswith("!docker") or ".env" in entry for entry in ignore)


# --- nginx.conf ------------------------------------------------------------------------


def test_proxy_routes_to_every_node_on_its_port_and_only_to_services() -> None:
    conf = nginx()
    services = compose()["services"]
    upstreams = dict(re.findall(r"upstream\s+(\S+)\s*\{([^{}]*)\}", conf))
    assert upstreams
    port = node_port()
    routed = set()
    for body in upstreams.values():
        for host, server_port in re.findall(r"^\s*server\s+([^\s:;]+):(\d+)", body, re.M):
            assert host in services, f"nginx.conf names {host}, not a compose service"
            assert int(server_port) == port, f"{host}:{server_port}; nodes listen on {port}"
            routed.add(host)
        assert "max_fails" in body, "passive failover: a failing node is taken out"
    assert routed == set(NODES)
    for target in re.findall(r"proxy_pass\s+https?://([^/;:\s]+)", conf):
        assert target in upstreams or target in services, target
    assert re.search(r"proxy_next_upstream\s+[^;]*\berror\b", conf)
    # Ports the proxy publishes are ports nginx listens on.
    listening = {int(p) for p in re.findall(r"listen\s+(\d+)", conf)}
    for mapping in services["proxy"]["ports"]:
        assert int(str(mapping).rsplit(":", 1)[1].split("/")[0]) in listening, mapping
    body_mb = re.search(r"client_max_body_size\s+(\d+)m;", conf)
    assert body_mb and int(body_mb.group(1)) >= Settings().upload_max_mb


def test_proxy_upgrades_the_meeting_socket() -> None:
    conf = nginx()
    route = '"/m/{meeting_id}/socket"'
    assert route in (REPO / "meetroom/server/__init__.py").read_text(), "socket route moved"
    socket_blocks = [
        body
        for regex, body in re.findall(r"location\s+~\*?\s+(\S+)\s*\{([^{}]*)\}", conf)
        if re.search(regex, "/m/mtg_abc123/socket") and not re.search(regex, "/m/x/agenda")
    ]
    assert len(socket_blocks) == 1, "one location for /m/<id>/socket"
    body = socket_blocks[0]
    assert re.search(r"proxy_http_version\s+1\.1;", body)
    assert re.search(r"proxy_set_header\s+Upgrade\s+\$http_upgrade;", body)
    connection = re.search(r"proxy_set_header\s+Connection\s+\$(\w+);", body)
    assert connection, "Connection header from a map of $http_upgrade"
    mapping = re.search(
        r"map\s+\$http_upgrade\s+\$" + connection.group(1) + r"\s*\{([^}]*)\}", conf
    )
    assert mapping and re.search(r"default\s+upgrade;", mapping.group(1))
    timeout = re.search(r"proxy_read_timeout\s+(\d+)([smh]?);", body)
    assert timeout
    seconds = int(timeout.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[timeout.group(2)]
    assert seconds >= 600, "a quiet meeting socket must not be cut after a minute"
    # Each location sets its own headers (nginx does not inherit them once one is set);
    # MeetRoom trusts the first X-Forwarded-For address: the proxy must not append.
    for location in re.findall(r"location\s[^{]*\{([^{}]*)\}", conf):
        if "proxy_pass" in location:
            assert re.search(r"X-Forwarded-For\s+\$remote_addr;", location), location
            assert re.search(r"X-Forwarded-Proto\s+\$scheme;", location), location
            # $http_host keeps a non-standard port, which the Origin check compares.
            assert re.search(r"proxy_set_header\s+Host\s+\$http_host;", location), location


# --- coturn --------------------------------------------------------------------------


def test_coturn_and_meetroom_share_one_turn_secret() -> None:
    data = compose()
    services = data["services"]
    coturn = services["coturn"]
    command = " ".join(coturn["command"])
    secret = re.search(r"--static-auth-secret=\$\{(\w+)", command)
    assert secret, "coturn's static-auth-secret comes from a variable"
    for node in NODES:
        turn = environment(services[node])["MEETROOM_TURN_SECRET"]
        assert REFERENCE.fullmatch(turn) and REFERENCE.fullmatch(turn).group(1) == secret.group(1)

    conf_path = coturn["command"][coturn["command"].index("-c") + 1]
    mounts = {m.split(":")[1]: m.split(":")[0] for m in coturn["volumes"]}
    conf_text = (DOCKER / mounts[conf_path]).read_text(encoding="utf-8")
    pairs = [
        (ln.split("=", 1) + [""])[:2]
        for ln in (raw.strip() for raw in conf_text.splitlines())
        if ln and not ln.startswith("#")
    ]
    conf = dict(pairs)
    assert "use-auth-secret" in conf and "static-auth-secret" not in conf
    # The relay range it allocates is the range compose publishes.
    relay = f"{conf['min-port']}-{conf['max-port']}"
    assert f"{relay}:{relay}/udp" in coturn["ports"]
    listening = conf.get("listening-port", "3478")
    assert f"{listening}:{listening}/udp" in coturn["ports"]
    # Browsers are sent to that port on the address coturn announces.
    external = re.search(r"--external-ip=\$\{(\w+)", command)
    assert external
    for node in NODES:
        urls = environment(services[node])["MEETROOM_TURN_URLS"]
        for url in urls.split(","):
            assert re.fullmatch(
                r"turn:\$\{"
                + external.group(1)
                + r"[^}]*\}:"
                + listening
                + r"\?transport=(udp|tcp)",
                url,
            ), url
    # It may relay to the nodes' addresses (and denies the rest).
    allowed = [
        (ipaddress.ip_address(a), ipaddress.ip_address(b))
        for k, r in pairs
        if k == "allowed-peer-ip"
        for a, b in [r.split("-")]
    ]
    assert "meetroom" in coturn["networks"]
    for node in NODES:
        address = ipaddress.ip_address(services[node]["networks"]["meetroom"]["ipv4_address"])
        assert any(first <= address <= last for first, last in allowed), address
