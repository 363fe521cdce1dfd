"""verify's image scan (migrator/verify/image_scan.py): the built image's app directory is read as a tar
stream from a created, never started, container; secret-bearing files fail the step by name and kind,
and no byte of them reaches the report."""

from __future__ import annotations

import io
import tarfile
from typing import Any

from migrator.verify.image_scan import judge, scan_image

PLANTED_KEY = (b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUPl4ntedImageKey\n"
               b"-----END OPENSSH PRIVATE KEY-----\n")


def tar_of(files: dict[str, bytes], top: str = "app") -> list[bytes]:
    """What ``container.get_archive("/app")`` streams: the directory, then its files, in chunks."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        d = tarfile.TarInfo(top)
        d.type = tarfile.DIRTYPE
        tar.addfile(d)
        for rel, data in files.items():
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    return [raw[i : i + 1000] for i in range(0, len(raw), 1000)]


class FakeContainer:
    def __init__(self, chunks: list[bytes]):
        self.chunks = chunks
        self.archived: list[str] = []
        self.removed = False
        self.started = False

    def get_archive(self, path: str) -> tuple[Any, dict[str, Any]]:
        self.archived.append(path)
        return iter(self.chunks), {"name": path.rsplit("/", 1)[-1]}

    def start(self) -> None:  # pragma: no cover - the scan must never call it
        self.started = True

    def remove(self, force: bool = False) -> None:
        self.removed = True


class FakeClient:
    """Just the docker SDK calls the scan makes."""

    def __init__(self, files: dict[str, bytes], workdir: str = "/app"):
        self.container = FakeContainer(tar_of(files, workdir.rsplit("/", 1)[-1]))
        self.workdir = workdir
        self.created: list[dict[str, Any]] = []
        outer = self

        class Images:
            def get(self, ref: str) -> Any:
                return type("Image", (), {"attrs": {"Config": {"WorkingDir": outer.workdir}}})()

        class Containers:
            def create(self, image: str, **kwargs: Any) -> FakeContainer:
                outer.created.append({"image": image, **kwargs})
                return outer.container

        self.images = Images()
        self.containers = Containers()


def test_scan_fails_on_an_image_that_contains_a_planted_key() -> None:
    client = FakeClient({
        "app.py": b"print('hi')\n",
        "deploy/id_rsa": PLANTED_KEY,
        "config/signing.txt": PLANTED_KEY,  # a key under a harmless name is still a key
        "certs/ca.pem": b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "sub/.env": b"SECRET_KEY=x\n",
        ".env.example": b"SECRET_KEY=change-me\n",
        "k8s/secret.yaml": b"apiVersion: v1\nkind: Secret\ndata:\n  k: eA==\n",
    })
    scan = scan_image(client, "img:1", {})
    assert [p for p, _ in scan.secrets] == ["config/signing.txt", "deploy/id_rsa", "k8s/secret.yaml", "sub/.env"]
    assert dict(scan.secrets)["deploy/id_rsa"] == "private key"
    assert scan.files == 7 and scan.app_dir == "/app"
    detail = scan.describe()
    assert "deploy/id_rsa: private key" in detail and b"Pl4ntedImageKey".decode() not in detail
    # created, never started, and removed; the entrypoint cannot run anything from the repo
    assert client.created[0]["entrypoint"] == [""] and not client.container.started and client.container.removed
    assert client.container.archived == ["/app"]


def test_scan_passes_a_clean_image_and_reads_the_image_workdir() -> None:
    client = FakeClient({"main.py": b"x = 1\n", ".env.template": b"A=\n", "static/site.pem": b"public cert"},
                        workdir="/srv/app")
    scan = scan_image(client, "img:1", {"deploy.sh": False})
    assert (scan.secrets, scan.fallbacks, scan.app_dir) == ((), (), "/srv/app")
    assert "no private key" in scan.describe()


def test_files_named_by_the_analysis_fail_unless_only_fallbacks() -> None:
    members = [("billing/settings.py", b"SECRET_KEY = '...'\n"), ("proj/settings.py", b"os.environ.get(...)"),
               ("billing/app.py", b"")]
    scan = judge("/app", members, {"billing/settings.py": False, "proj/settings.py": True, "fabfile.py": False})
    assert [p for p, _ in scan.secrets] == ["billing/settings.py"]
    assert [p for p, _ in scan.fallbacks] == ["proj/settings.py"]
    assert "fallback defaults baked into the image" in scan.describe()


def test_installed_dependencies_are_not_the_contexts_files() -> None:
    key = b"-----BEGIN RSA PRIVATE KEY-----\nMIIB\n"
    members = [("node_modules/dotenv/README.md", key), ("apps/api/node_modules/x/test/key.pem", key),
               ("deploy/id_rsa", key), ("server.js", b"")]
    scan = judge("/app", members, {})
    assert [p for p, _ in scan.secrets] == ["deploy/id_rsa"] and scan.files == 2
