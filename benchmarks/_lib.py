"""What the benchmarks share: static servers on 127.0.0.1, measured subprocesses, the portal-audit command,
the benchmark registry and work directories.

Every server and child is ours and is stopped by its PID. Run as a script (``python _lib.py --serve SITE
PORT``) it is the threaded fallback server, for machines with neither nginx nor Twisted.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVER_START_TIMEOUT = 15.0

# --------------------------------------------------------------------------------------------------------------
# Static servers (all on 127.0.0.1, stopped by PID)
# --------------------------------------------------------------------------------------------------------------

@dataclass
class Server:
    kind: str            # "nginx" or "python"
    description: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def free_port() -> int:
    """A port the kernel considers free now; picked per run so concurrent benchmarks never collide."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nginx_binary() -> str | None:
    """``nginx`` lives in /usr/sbin on Debian, which is not on a normal user's PATH."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
                                          if os.access(p, os.X_OK)), None)


def start_nginx(binary: str, site: Path, workdir: Path, port: int) -> Server:
    """Foreground nginx (``daemon off``) so its master PID is our child; one worker is plenty for one crawler."""
    prefix = workdir / "nginx"
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    # As root, nginx would drop its workers to "nobody", who may not read a private temp dir: keep the same user
    # the Python fallback server would run as, so neither server has more or less access than the other.
    user = "user root;\n" if os.geteuid() == 0 else ""
    tmp = prefix / "tmp"
    conf = prefix / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1;
daemon off;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
  types {{ text/html html; text/plain txt; text/css css; application/javascript js; application/xml xml; }}
  default_type application/octet-stream;
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  server {{ listen 127.0.0.1:{port}; root {site}; index index.html; charset utf-8; }}
}}
""", encoding="utf-8")
    version = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False).stderr.strip()
    log = prefix / "stderr.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen([binary, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
                                stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return Server("nginx", version.replace("nginx version: ", "") or "nginx", port, proc, log)


def start_python_server(site: Path, workdir: Path, port: int) -> Server:
    """Twisted's static server (comes with Scrapy, ~2.7k req/s) or, failing that, a threaded http.server."""
    log = workdir / "python-server.log"
    if importlib.util.find_spec("twisted") is not None:
        import twisted

        cmd = [sys.executable, "-m", "twisted", "web", "--path", str(site),
               "--listen", f"tcp:{port}:interface=127.0.0.1"]
        description = f"twisted.web {twisted.__version__} (python -m twisted web)"
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", str(site), str(port)]
        description = "http.server (threaded, backlog 128)"
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=workdir)
    return Server("python", description, port, proc, log)


def serve_static(site: Path, port: int) -> None:
    """Fallback server (child mode): http.server's default backlog of 5 drops connections under 32 clients."""
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    class BigBacklogServer(ThreadingHTTPServer):
        request_queue_size = 128
        daemon_threads = True

    with BigBacklogServer(("127.0.0.1", port), partial(Quiet, directory=str(site))) as httpd:
        httpd.serve_forever()


def wait_ready(server: Server, probe_path: str) -> None:
    """Poll until the server answers 200 on a real article (not just the index), or fail with its log."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    url = server.base_url + probe_path.lstrip("/")
    last: str = ""
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200 and resp.read():
                    return
        except (OSError, urllib.error.URLError) as exc:
            last = str(exc)
        time.sleep(0.1)
    tail = server.log.read_text(errors="replace")[-2000:] if server.log.exists() else ""
    raise RuntimeError(f"{server.kind} server did not serve {url} ({last or 'exited'}):\n{tail}")


def stop_process(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop one child by its PID: ``sig`` first, SIGKILL after 10 s."""
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------------------------------------------
# Measured runs and the command under test
# --------------------------------------------------------------------------------------------------------------

def run_measured(cmd: list[str], cwd: Path, log: Path) -> tuple[float, float, int]:
    """Run ``cmd`` to completion; return (wall seconds, peak RSS in MB, exit code)."""
    seconds, _cpu, rss, code = measure_child(cmd, cwd, log)
    return seconds, rss, code


def measure_child(cmd: list[str], cwd: Path, log: Path) -> tuple[float, float, float, int]:
    """Run ``cmd`` to completion; return (wall seconds, CPU seconds, peak RSS in MB, exit code).

    ``os.wait4`` returns the rusage of exactly this child, so its ``ru_maxrss`` is the true peak (kB on Linux).
    ``getrusage(RUSAGE_CHILDREN)`` would give the maximum over *all* children so far (the server included), and
    polling /proc/<pid>/status can miss the last milliseconds; neither needs a dependency, but wait4 is exact.
    """
    with log.open("wb") as fh:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            stop_process(proc)
            raise
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss_kb = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024
    return seconds, usage.ru_utime + usage.ru_stime, rss_kb / 1024, proc.returncode


def portal_audit_command() -> list[str] | None:
    """The console script of *this* interpreter's environment first, then PATH, then ``-m portal_audit``."""
    sibling = Path(sys.executable).parent / "portal-audit"
    if sibling.is_file() and os.access(sibling, os.X_OK):
        return [str(sibling)]
    found = shutil.which("portal-audit")
    if found:
        return [found]
    if importlib.util.find_spec("portal_audit") is not None:
        return [sys.executable, "-m", "portal_audit"]
    return None


def write_registry(path: Path, base_url: str, max_pages: int) -> None:
    """The registry for (b): politeness switched off to match the baseline's settings, loopback allowed."""
    path.write_text(f"""province: "Benchmark"
defaults:
  allow_private_networks: ["127.0.0.1/32"]
  max_pages: {max_pages}
  max_depth: 20
  delay: 0
  autothrottle: false
  concurrency: 32
  check_external_links: false
sites:
  - id: bench
    name: "Trang thử nghiệm hiệu năng"
    unit_type: other
    url: "{base_url}"
""", encoding="utf-8")


# --------------------------------------------------------------------------------------------------------------
# Set-up shared by every benchmark's main()
# --------------------------------------------------------------------------------------------------------------

def choose_nginx(server: str) -> bool | None:
    """Whether to serve with nginx; None (after saying why) when nginx was asked for and is missing."""
    nginx = nginx_binary()
    if server == "nginx" and nginx is None:
        print("--server nginx: nginx is not installed (Debian: apt-get install -y nginx)", file=sys.stderr)
        return None
    return nginx is not None and server in ("auto", "nginx")


def start_server(site: Path, workdir: Path, port: int, use_nginx: bool) -> Server:
    """nginx when chosen (and present), else the Python fallback servers."""
    nginx = nginx_binary() if use_nginx else None
    return start_nginx(nginx, site, workdir, port) if nginx else start_python_server(site, workdir, port)


def bench_prerequisites(server: str) -> tuple[list[str], bool] | None:
    """The installed portal-audit command and whether nginx serves the site; None (the reason printed) when
    the benchmark cannot run here."""
    command = portal_audit_command()
    if command is None:
        print("portal-audit is not installed in this environment (pip install -e .)", file=sys.stderr)
        return None
    use_nginx = choose_nginx(server)
    return None if use_nginx is None else (command, use_nginx)


def serve_site(site: Path, workdir: Path, use_nginx: bool) -> Server:
    """Serve a generated site on a free port; return once its first article answers."""
    server = start_server(site, workdir, free_port(), use_nginx)
    wait_ready(server, next((site / "tin-tuc").rglob("*.html")).relative_to(site).as_posix())
    return server


def stop_server(server: Server | None) -> None:
    """nginx: SIGQUIT is a graceful stop of master and worker; twistd and http.server stop on SIGTERM."""
    if server is not None:
        stop_process(server.proc, signal.SIGQUIT if server.kind == "nginx" else signal.SIGTERM)


def make_workdir(keep: Path | None, prefix: str) -> Path:
    """--keep DIR (created) or a fresh temporary directory."""
    if keep:
        workdir = keep.resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        return workdir
    return Path(tempfile.mkdtemp(prefix=prefix))



if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "--serve":
        sys.exit("usage: _lib.py --serve SITE PORT")
    serve_static(Path(sys.argv[2]), int(sys.argv[3]))
