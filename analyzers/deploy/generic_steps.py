"""Deploy steps that belong to no runtime: source checkouts, service managers, file copies to hosts,
filesystem chores, system packages, crontab installs, process signalling.

(Its place in the target layout is ``analyzers/commands/generic.py``; it moves there with the layout
step.) ``order`` follows :class:`analyzers.providers.protocol.StepRule`: today's index x 10, so the
providers' rules interleave with these exactly as the old single table did.
"""

from __future__ import annotations

import re

from analyzers.providers.protocol import StepRule
from migrator.commands import StepKind

_SERVICE = "service manager: Kubernetes starts and restarts the workloads"
_LAYOUT = "filesystem layout on the host: set up in the image"


def _host(pattern: str, reason: str, order: int) -> StepRule:
    return StepRule(StepKind.HOST, re.compile(pattern), reason, order)


STEP_RULES: tuple[StepRule, ...] = (
    _host(r"^\s*git\s+(?:-[Cc]\s+\S+\s+)*(pull|fetch|clone|checkout|reset|submodule)\b",
          "source checkout: the image carries the code", 0),
    _host(r"\b(systemctl|service)\s+\S*\s*(restart|reload|start|stop|enable|daemon-reload)\b", _SERVICE, 10),
    _host(r"(^|\s)/etc/init\.d/\S+\s+(restart|reload|force-reload|start|stop)\b", _SERVICE, 20),
    _host(r"\b(supervisorctl)\b", "process manager: Kubernetes runs the processes", 30),
    _host(r"^\s*(rsync|scp)\b", "file copy to hosts: the image carries the code", 70),
    _host(r"\b(nginx|apachectl|apache2ctl)\s+(-s\s+reload|-t|reload|restart)\b",
          "web server reload: the Ingress replaces it", 80),
    _host(r"^\s*(chown|chmod|mkdir|ln|rm|mv|cp|touch|tar)\b", _LAYOUT, 90),
    _host(r"\b(apt-get|apt|yum|dnf|apk)\s+(install|update|upgrade|add)\b", "system packages: installed in the image",
          100),
    _host(r"\b(crontab)\b", "crontab install: CronJobs replace it", 110),
    _host(r"\b(kill|pkill|killall)\b", "process signalling: Kubernetes manages process lifecycles", 120),
    _host(r"^\s*(systemctl|service|journalctl)\b", _SERVICE, 130),
    _host(r"^\s*(useradd|adduser|groupadd|addgroup|usermod|userdel|chpasswd)\b",
          "user accounts on the host: the image creates its own user", 140),
    _host(r"^\s*(source|\.)\s+\S",
          "loads a host env file into the deploy shell: the ConfigMap and Secret give the pods their environment", 150),
    _host(r"^\s*git\s+(?:-[Cc]\s+\S+\s+)*(push|tag|commit|merge|add|stash|status|log|describe|rev-parse|"
          r"archive|remote|show|diff|branch)\b",
          "version control on the deploying machine: CI builds and tags the image", 160),
    _host(r"^\s*(chgrp|find|install\s+-d)\b", _LAYOUT, 170),
)
