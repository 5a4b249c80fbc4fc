"""Loopback servers for the remote-store tests (test_remote_*.py), as pytest fixtures.

Every server listens on 127.0.0.1 only, on a port the kernel picked, and is started and stopped by
the fixture (session scope: one of each per pytest run):

- `nginx`: Debian's /usr/sbin/nginx run unprivileged-style with a temporary prefix, serving one
  directory (`NginxServer.www`) on two ports: HTTP/1.1 and h2c (HTTP/2 with prior knowledge,
  `listen ... http2`). Stores are published under it by symlink (`serve`). Its access log records
  method, URI, status, Range header, body bytes and protocol of every request (`requests_since`).
- `moto_s3`: moto's S3 server from the venv with IAM authentication on, so every request must
  carry a valid SigV4 signature of an IAM user's key: an IAM user with an allow-all S3 policy is
  made, then auth is switched on through moto's /moto-api/reset-auth. Upload stores with
  `upload` (boto3, signed with the good key).
- `moto_s3_public`: a second moto server without IAM checks whose bucket policy lets anyone read
  and list, for anonymous reads (moto 5.2.5 with IAM checks on answers any unsigned request
  with a 500, even for a public bucket).
- `fault_server`: tests/remote/fault_server.py (a stdlib HTTP server that injects 503s, 429s,
  dropped connections and slow responses per its control endpoint, and counts requests).

A fixture whose program is not installed skips loudly (pytest.skip with what is missing); a
server that is installed but does not start fails the test with its own output.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"
FAULT_SERVER = REPO / "tests" / "remote" / "fault_server.py"
START_TIMEOUT_S = 20

# Access log: one line per request, fields separated by tabs (URIs may hold spaces).
_NGINX_LOG_FORMAT = ("$request_method\\t$request_uri\\t$status\\t$http_range\\t$body_bytes_sent"
                     "\\t$server_protocol")


def free_port() -> int:
    """A port the kernel considers free on 127.0.0.1 now (the caller binds it soon after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerMissing(Exception):
    """The server's program is not installed (fixtures skip, saying what is missing)."""


class ServerFailed(Exception):
    """The server is installed but did not start (fixtures fail with its output)."""


def wait_for_port(port: int, proc: subprocess.Popen, what: str, output) -> None:
    """Waits until 127.0.0.1:port accepts connections; ServerFailed with `output()` when `proc`
    exits or the time runs out."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerFailed(f"{what} exited with {proc.returncode} while starting:\n{output()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise ServerFailed(f"{what} did not listen on 127.0.0.1:{port} within {START_TIMEOUT_S} s:\n"
                       f"{output()}")


def started(start, *args):
    """Runs start(*args) inside a fixture: skip when the program is missing, fail when it does
    not start."""
    try:
        return start(*args)
    except ServerMissing as e:
        pytest.skip(str(e))
    except ServerFailed as e:
        pytest.fail(str(e), pytrace=False)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def quote_path(path: str) -> str:
    """A store path as a URL path: every segment percent-encoded (spaces, parentheses...)."""
    return "/".join(urllib.parse.quote(seg, safe="") for seg in path.split("/"))


# ---------------------------------------------------------------------------------------------
# nginx

@dataclass
class LoggedRequest:
    method: str
    uri: str          # as sent, percent-encoded
    status: int
    range: str        # the Range header, "" when absent
    body_bytes: int
    protocol: str     # "HTTP/1.1", "HTTP/2.0"


@dataclass
class NginxServer:
    prefix: pathlib.Path
    www: pathlib.Path     # the document root; publish directories with serve()
    port: int             # HTTP/1.1
    h2c_port: int         # HTTP/2 prior knowledge only
    proc: subprocess.Popen
    access_log: pathlib.Path = field(init=False)

    def __post_init__(self):
        self.access_log = self.prefix / "access.log"

    def base_url(self, h2c: bool = False) -> str:
        return f"http://127.0.0.1:{self.h2c_port if h2c else self.port}"

    def serve(self, name: str, directory) -> str:
        """Publishes `directory` as /<name> (a symlink in the document root); returns its URL path
        ("/<name>"). Publishing the same name twice must name the same directory."""
        link = self.www / name
        target = pathlib.Path(directory).resolve()
        if link.is_symlink():
            assert link.resolve() == target, f"/{name} already serves {link.resolve()}"
        else:
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(target, target_is_directory=True)
        return "/" + quote_path(name)

    def url(self, name: str, directory, h2c: bool = False) -> str:
        return self.base_url(h2c) + self.serve(name, directory)

    def mark(self) -> int:
        """The access log's current end; pass it to requests_since."""
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def requests_since(self, mark: int) -> list:
        """Requests logged after `mark` (nginx writes each line when the request ends)."""
        if not self.access_log.exists():
            return []
        with open(self.access_log, "rb") as f:
            f.seek(mark)
            text = f.read().decode("utf-8", "replace")
        out = []
        for line in text.splitlines():
            parts = line.split("\t")
            if len(parts) != 6:
                continue
            method, uri, status, rng, sent, proto = parts
            out.append(LoggedRequest(method, uri, int(status), "" if rng == "-" else rng,
                                     int(sent), proto))
        return out


def _nginx_conf(prefix: pathlib.Path, www: pathlib.Path, port: int, h2c_port: int) -> str:
    # Running as root, workers would switch to `nobody`, who cannot read pytest's 0700 temp
    # directories: keep them as the current user.
    user = "user root root;" if os.geteuid() == 0 else ""
    temps = "\n".join(f"    {k}_temp_path {prefix}/{k}_temp;"
                      for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""
{user}
worker_processes 2;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format ranges "{_NGINX_LOG_FORMAT}";
    access_log {prefix}/access.log ranges;
{temps}
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 100000;
    http2_max_requests 100000;
    server {{
        listen 127.0.0.1:{port};
        root {www};
        location / {{ etag on; }}
    }}
    server {{
        listen 127.0.0.1:{h2c_port} http2;
        root {www};
        location / {{ etag on; }}
    }}
}}
"""


def start_nginx(prefix: pathlib.Path) -> NginxServer:
    """Starts nginx under `prefix` (its config, logs and document root live there)."""
    if not os.access(NGINX, os.X_OK):
        raise ServerMissing(f"nginx is not installed ({NGINX} missing; Debian package nginx-light, "
                    f"installed by tools/setup.sh): the HTTP tests cannot run")
    www = prefix / "www"
    www.mkdir(parents=True, exist_ok=True)
    last_error = ""
    for _ in range(3):  # a port taken between free_port() and nginx's bind: try other ports
        port, h2c_port = free_port(), free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(_nginx_conf(prefix, www, port, h2c_port))
        err = prefix / "stderr.txt"
        with open(err, "wb") as e:
            proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-g",
                                     f"daemon off; pid {prefix}/nginx.pid;"],
                                    stdout=e, stderr=subprocess.STDOUT)

        def output() -> str:
            log = prefix / "error.log"
            return err.read_text(errors="replace") + (log.read_text(errors="replace")
                                                        if log.exists() else "")
        try:
            wait_for_port(port, proc, "nginx", output)
            wait_for_port(h2c_port, proc, "nginx (h2c)", output)
            return NginxServer(prefix, www, port, h2c_port, proc)
        except ServerFailed:
            stop(proc)
            last_error = output()
            if "Address already in use" not in last_error:
                raise
    raise ServerFailed(f"nginx could not bind a port in 3 tries:\n{last_error}")


@pytest.fixture(scope="session")
def nginx():
    prefix = pathlib.Path(tempfile.mkdtemp(prefix="zring-nginx-"))
    server = started(start_nginx, prefix)
    try:
        yield server
    finally:
        stop(server.proc)
        shutil.rmtree(prefix, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# moto (S3)

@dataclass
class MotoS3:
    endpoint: str            # http://127.0.0.1:<port>
    bucket: str
    access_key_id: str       # an IAM user's key; empty on a server without authentication
    secret_access_key: str
    proc: subprocess.Popen
    auth: bool

    def client(self):
        import boto3
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.access_key_id or "anonymous-setup",
                            aws_secret_access_key=self.secret_access_key or "anonymous-setup")

    def upload(self, directory, prefix: str) -> str:
        """Uploads every file below `directory` to s3://<bucket>/<prefix>/...; returns that URL."""
        s3 = self.client()
        root = pathlib.Path(directory)
        for p in sorted(root.rglob("*")):
            if p.is_file():
                key = f"{prefix}/{p.relative_to(root).as_posix()}"
                s3.put_object(Bucket=self.bucket, Key=key, Body=p.read_bytes())
        return f"s3://{self.bucket}/{prefix}"

    def storage_options(self, **extra) -> dict:
        """What zring needs to reach this server with the good key (plus `extra`)."""
        opts = {"endpoint_url": self.endpoint, "region": "us-east-1"}
        if self.access_key_id:
            opts.update(access_key_id=self.access_key_id,
                        secret_access_key=self.secret_access_key)
        opts.update(extra)
        return opts


def _moto_python() -> str:
    """The interpreter whose site-packages hold moto: this one (the venv) when it can import it."""
    try:
        import moto  # noqa: F401
        import boto3  # noqa: F401
    except ImportError:
        raise ServerMissing("moto[server] is not installed in this Python (it is pinned in "
                            "tests/python/requirements.txt; tools/setup.sh installs it): the S3 "
                            "tests cannot run")
    return sys.executable


def _post(url: str, body: bytes) -> bytes:
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def start_moto(auth: bool, bucket: str) -> MotoS3:
    python = _moto_python()
    proc = subprocess.Popen([python, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=clean_aws_env({}))
    seen = []
    deadline = time.monotonic() + START_TIMEOUT_S
    port = None
    while time.monotonic() < deadline and port is None:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        m = re.search(r"Running on http://127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
    if port is None:
        stop(proc)
        raise ServerFailed("moto server did not start:\n" + "".join(seen))
    # Keep draining its log so a full pipe never blocks the server.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    endpoint = f"http://127.0.0.1:{port}"
    server = MotoS3(endpoint, bucket, "", "", proc, auth)
    import boto3
    setup = dict(endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="setup", aws_secret_access_key="setup")
    if auth:
        iam = boto3.client("iam", **setup)
        iam.create_user(UserName="zring-reader")
        key = iam.create_access_key(UserName="zring-reader")["AccessKey"]
        iam.put_user_policy(UserName="zring-reader", PolicyName="s3-all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        server.access_key_id = key["AccessKeyId"]
        server.secret_access_key = key["SecretAccessKey"]
    boto3.client("s3", **setup).create_bucket(Bucket=bucket)
    if not auth:
        # Anyone may read and list, as on a public data bucket (unsigned requests for objects
        # are refused unless a policy or ACL allows them, even without IAM checks).
        boto3.client("s3", **setup).put_bucket_policy(Bucket=bucket, Policy=json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Principal": "*",
                            "Action": ["s3:GetObject", "s3:ListBucket"],
                            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}))
    if auth:
        # From now on every request needs a valid signature of a known key.
        answer = json.loads(_post(endpoint + "/moto-api/reset-auth", b"0"))
        assert answer.get("status") == "ok", answer
        import botocore.exceptions
        try:
            boto3.client("s3", **setup).list_objects_v2(Bucket=bucket)
        except botocore.exceptions.ClientError as e:
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        else:
            raise ServerFailed("moto accepted an unknown key after auth was switched on")
    return server


@pytest.fixture(scope="session")
def moto_s3():
    server = started(start_moto, True, "zring-private")
    try:
        yield server
    finally:
        stop(server.proc)


@pytest.fixture(scope="session")
def moto_s3_public():
    server = started(start_moto, False, "zring-public")
    try:
        yield server
    finally:
        stop(server.proc)


def clean_aws_env(extra: dict) -> dict:
    """This environment without AWS_* variables and with HOME in an empty directory, so no
    credentials or config of the machine leak into a test; plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    home = pathlib.Path(tempfile.gettempdir()) / "zring-empty-home"
    home.mkdir(exist_ok=True)
    env["HOME"] = str(home)
    env.update(extra)
    return env


# ---------------------------------------------------------------------------------------------
# The fault-injecting server

@dataclass
class FaultServer:
    port: int
    root: pathlib.Path    # the directory it serves (stores are copied in: it refuses symlinks out)
    proc: subprocess.Popen

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def publish(self, name: str, directory) -> str:
        """Copies `directory` to <root>/<name> (once); returns its URL."""
        dst = self.root / name
        if not dst.exists():
            shutil.copytree(directory, dst)
        return self.base_url + "/" + quote_path(name)

    def set_faults(self, **settings) -> dict:
        """POST /__faults: these keys replace the current settings, after restoring the
        defaults (no faults). Answers the settings in force."""
        return json.loads(_post_json(self.base_url + "/__faults", {"reset": True, **settings}))

    def reset_stats(self) -> None:
        _post_json(self.base_url + "/__reset", {})

    def stats(self) -> dict:
        with urllib.request.urlopen(self.base_url + "/__stats", timeout=10) as r:
            return json.loads(r.read())

    def path_counts(self, prefix: str = "/") -> dict:
        """Requests per path (decoded, as the server saw it) for paths under `prefix`."""
        return {p: n for p, n in self.stats()["paths"].items() if p.startswith(prefix)}


def _post_json(url: str, body: dict) -> bytes:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def start_fault_server(root: pathlib.Path) -> FaultServer:
    if not FAULT_SERVER.is_file():
        raise ServerFailed(f"{FAULT_SERVER} is missing (it is part of the repository)")
    proc = subprocess.Popen([sys.executable, "-u", str(FAULT_SERVER), str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.match(r"PORT (\d+)", line or "")
    if not m:
        stop(proc)
        raise ServerFailed(f"fault server did not print its port: {line!r}\n{proc.stderr.read()}")
    for stream in (proc.stdout, proc.stderr):
        threading.Thread(target=lambda s=stream: [None for _ in s], daemon=True).start()
    server = FaultServer(int(m.group(1)), root, proc)
    wait_for_port(server.port, proc, "fault_server.py", lambda: "")
    return server


@pytest.fixture(scope="session")
def fault_server(tmp_path_factory):
    server = started(start_fault_server, tmp_path_factory.mktemp("fault_root"))
    try:
        yield server
    finally:
        stop(server.proc)


def storage_args(options: dict) -> list:
    """`--storage-option KEY=VALUE` arguments of the zring CLI for `options`."""
    args = []
    for k, v in options.items():
        v = ("true" if v else "false") if isinstance(v, bool) else str(v)
        args += ["--storage-option", f"{k}={v}"]
    return args
