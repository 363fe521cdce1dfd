"""What a runtime's image declares to the manifests: the directories its server writes (the pod mounts an
``emptyDir`` at each, its root filesystem being read-only), the start script a long-running command goes
through, and the memory its web pod's worker pool needs. Only PHP's image declares any today
(:mod:`generators.image.php_layout`); the other runtimes' images write only /tmp and the app's own volumes.
"""

from __future__ import annotations

from generators.facts import VolumeSpec
from generators.image import php_layout
from generators.image.base_image import BaseImage
from generators.values import Value, slug
from migrator.model import Subject

_STARTED_ROLES = ("web", "worker")  # the containers that serve or work with the cached configuration


def image_writable(base: BaseImage, runtime: Subject | None, app: str,
                   volumes: tuple[VolumeSpec, ...]) -> tuple[VolumeSpec, ...]:
    """An ``emptyDir`` for each directory the image writes that no volume of the app covers already."""
    if base.language != "php":
        return ()
    taken = {v.mount_path for v in volumes}
    names = {v.name for v in volumes}
    out = []
    for path, label, why in php_layout.writable_dirs(runtime):
        name = f"{app}-{slug(label, 'scratch', 20)}"
        if path in taken or name in names:
            continue
        out.append(VolumeSpec(name, path, "", f"the {base.image} image ({why})", "emptyDir", "ReadWriteMany", "scratch",
                              why))
    return tuple(out)


def start_argv(base: BaseImage, runtime: Subject | None, role: str, argv: tuple[str, ...]) -> tuple[str, ...]:
    """``argv`` through the image's start script, for the roles that need what it does (PHP: the framework's
    cache commands, run where the pod's environment is)."""
    if base.language != "php" or role not in _STARTED_ROLES or not argv or argv[0] == php_layout.ENTRYPOINT:
        return argv
    return (php_layout.ENTRYPOINT, *argv) if php_layout.cache_commands(runtime) else argv


def web_port(base: BaseImage, port: Value | None) -> Value | None:
    """The port the web container listens on when the image's server decides it (PHP: Apache on 8080,
    whatever port the legacy nginx or Apache listened on: a non-root user cannot bind 80), else ``port``."""
    if base.language != "php" or port is None or port.value == php_layout.APACHE_PORT:
        return port
    return Value(php_layout.APACHE_PORT, f"the image's Apache listens on {php_layout.APACHE_PORT} (the user is not "
                 f"root); legacy port {port.value}: {port.origin}")


def web_memory(base: BaseImage, runtime: Subject | None) -> tuple[str, str] | None:
    """(memory limit, why) of the web pod when the runtime sizes it from its worker pool, else None."""
    return php_layout.pool_memory(runtime) if base.language == "php" else None
