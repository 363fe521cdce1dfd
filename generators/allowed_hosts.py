"""The Host header probes and verify send, and the ``ALLOWED_HOSTS`` value that lets the app accept it.

The kubelet's HTTP probe sends ``Host: <pod IP>:<port>``, which a Django allow-list rejects (400
DisallowedHost). From how the app builds ``ALLOWED_HOSTS`` (:mod:`analyzers.providers.python.python_hosts`):

- a literal list: the probes send the Ingress host when the list allows it, else the first concrete
  host of the list (``localhost``, ``example.com`` for ``.example.com``); nothing can be changed;
- an env var: the ConfigMap sets it to the hosts it already had (its default) plus the Ingress host
  and the probe host, which is the Ingress host, else the web Service's name (what in-cluster
  clients and verify's request use).

Host matching follows Django's: ``*`` matches anything, ``.example.com`` the domain and its subdomains.
"""

from __future__ import annotations

from dataclasses import dataclass

from generators.facts import EnvSpec
from generators.values import origin
from migrator.model import AppModel


@dataclass(frozen=True)
class HostPolicy:
    hosts: tuple[str, ...]  # the literal list, or the env var's default
    env: str | None
    separator: str
    origin: str


def host_policy(model: AppModel) -> HostPolicy | None:
    rt = model.runtime
    hosts = rt.get("allowed_hosts")
    if not isinstance(hosts, tuple):
        return None
    env = rt.get("allowed_hosts_env")
    return HostPolicy(tuple(str(h) for h in hosts), str(env) if env else None,
                      str(rt.get("allowed_hosts_separator") or ","), origin(rt, "allowed_hosts") or "")


def allows(hosts: tuple[str, ...] | list[str], host: str) -> bool:
    host = host.lower().rsplit(":", 1)[0] if host.count(":") == 1 else host.lower()
    for pattern in (h.lower() for h in hosts):
        if pattern == "*" or pattern == host or (pattern.startswith(".") and
                                                 (host == pattern[1:] or host.endswith(pattern))):
            return True
    return False


def probe_host(policy: HostPolicy | None, ingress: list[str], service: str | None) -> str | None:
    """The Host header of HTTP probes (None: the kubelet's own)."""
    if policy is None:
        return ingress[0] if ingress else None
    if policy.env is not None:
        if not ingress and "*" in policy.hosts:
            return None  # the default allows any host: the kubelet's own header will do
        return ingress[0] if ingress else service
    allowed = [h for h in ingress if allows(policy.hosts, h)]
    if allowed or "*" in policy.hosts:
        return allowed[0] if allowed else (ingress[0] if ingress else None)
    concrete = [h.lstrip(".") for h in policy.hosts if "*" not in h and h.lstrip(".")]
    return concrete[0] if concrete else None


def with_allowed_hosts(config: tuple[EnvSpec, ...], optional: tuple[EnvSpec, ...], secret: tuple[EnvSpec, ...],
                       policy: HostPolicy | None, wanted: list[str]) -> tuple[tuple[EnvSpec, ...], tuple[EnvSpec, ...]]:
    """The ConfigMap's env with the ALLOWED_HOSTS variable allowing every host in ``wanted`` (the
    Ingress hosts and the probe host), keeping the hosts it already had."""
    if policy is None or policy.env is None or any(e.name == policy.env for e in secret):
        return config, optional
    var = policy.env
    present = next((e for e in config if e.name == var), None)
    sep = policy.separator
    current = ([h.strip() for h in (present.value.split() if sep == " " else present.value.split(sep)) if h.strip()]
               if present is not None and present.value else list(policy.hosts))
    needed = [h for h in dict.fromkeys(wanted) if h and not allows(current, h)]
    if present is not None and present.value and not needed:
        return config, optional
    value = (" " if sep == " " else sep).join([*current, *needed])
    why = (f"{policy.origin}, where ALLOWED_HOSTS is built from it"
           + (f"; adds {', '.join(needed)} (the Ingress host and the probe host)" if needed else ""))
    entry = EnvSpec(var, value, why, present.required if present is not None else False)
    kept = tuple(entry if e.name == var else e for e in config) if present is not None else (*config, entry)
    return kept, tuple(e for e in optional if e.name != var)
