"""HTTP authentication for a SPARQL endpoint: a bearer token, or a user and password answering
the server's Basic (RFC 7617) or Digest (RFC 7616) challenge.

A token goes with every request. A password is sent only once the server has asked for it (a
401 with ``WWW-Authenticate``), then with every later request to that server; Digest answers
reuse the server's nonce with a rising count until the server calls it stale. Secrets that
would cross the network in clear (a token, or a password for Basic) are sent only over HTTPS or
to this machine's loopback; Digest sends only a hash of the password.
"""

import base64
import hashlib
import ipaddress
import re
import secrets
import threading

from peerkg.graph.base.errors import StoreError

_PARAM = re.compile(r'([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


def parse_challenges(values: list[str]) -> dict[str, dict[str, str]]:
    """``WWW-Authenticate`` header values as {scheme (lower case): {param: value}}."""
    challenges: dict[str, dict[str, str]] = {}
    for value in values:
        for part in re.split(r",?\s*(?=\b(?:Basic|Digest|Bearer)\b)", value, flags=re.I):
            scheme, _, rest = part.strip().partition(" ")
            if scheme:
                params = {k.lower(): (quoted if quoted is not None else bare).replace('\\"', '"')
                          for k, quoted, bare in ((m[1], m[2], m[3]) for m in _PARAM.finditer(rest))}
                challenges[scheme.lower()] = params
    return challenges


def in_clear_is_safe(scheme: str, host: str) -> bool:
    """True if a secret may be sent as it is: over HTTPS, or to a loopback address."""
    if scheme == "https" or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Authenticator:
    """Makes the ``Authorization`` header for requests to one endpoint."""

    def __init__(self, user: str | None, password: str | None, token: str | None,
                 scheme: str, host: str):
        self.user, self._password, self._token = user, password, token
        self._safe = in_clear_is_safe(scheme, host)
        self._lock = threading.Lock()
        self._basic = False
        self._digest: dict[str, str] | None = None
        self._count = 0
        if token and not self._safe:
            raise StoreError(f"a bearer token would cross the network in clear to {host}: "
                             "use https:// for this endpoint")

    def __repr__(self) -> str:
        return f"Authenticator(user={self.user!r})"

    @property
    def ready(self) -> bool:
        """True if requests carry credentials from the start (a token, or a known challenge)."""
        return bool(self._token) or self._basic or self._digest is not None

    def header(self, method: str, path: str) -> str | None:
        """The ``Authorization`` value for a request, or None to send none."""
        if self._token:
            return f"Bearer {self._token}"
        with self._lock:
            if self._digest is not None:
                self._count += 1
                return self._digest_answer(method, path, self._count)
        if self._basic:
            pair = f"{self.user}:{self._password}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return None

    def challenged(self, values: list[str], retried: bool, url: str) -> None:
        """Learn from a 401's ``WWW-Authenticate`` values how to answer. ``retried`` says the
        request already carried an answer to a challenge it drew itself: a second 401 then
        means the credentials are wrong, unless the server only found the nonce stale.
        StoreError if the request cannot succeed (no credentials, credentials refused, or a
        scheme peerkg cannot answer)."""
        challenges = parse_challenges(values)
        digest = challenges.get("digest")
        stale = digest is not None and digest.get("stale", "").lower() == "true"
        if self._token:
            raise StoreError(f"{url} refused the token (PEERKG_STORE_TOKEN)")
        if self.user is None or self._password is None:
            raise StoreError(
                f"{url} asks for credentials ({', '.join(challenges) or 'no scheme named'}): set "
                "PEERKG_STORE_USER and PEERKG_STORE_PASSWORD, or PEERKG_STORE_TOKEN (README: "
                "Running on an external engine)")
        if retried and not stale:
            raise StoreError(f"{url} refused the credentials of user {self.user!r}")
        if digest is not None:
            algorithm = digest.get("algorithm", "MD5").upper().removesuffix("-SESS")
            if algorithm not in _HASHES or "nonce" not in digest:
                raise StoreError(f"{url} asks for Digest with {algorithm}, which peerkg cannot do")
            with self._lock:
                self._digest, self._count = digest, 0
        elif "basic" in challenges:
            if not self._safe:
                raise StoreError(f"{url} asks for Basic authentication, which would send the "
                                 "password in clear: use https:// for this endpoint")
            self._basic = True
        else:
            raise StoreError(f"{url} asks for {', '.join(challenges) or 'an unnamed'} "
                             "authentication, which peerkg cannot do")

    def _digest_answer(self, method: str, path: str, count: int, cnonce: str | None = None) -> str:
        """The Digest ``Authorization`` value (RFC 7616, section 3.4) for the known challenge;
        ``cnonce`` is the client's nonce (random unless given)."""
        d = self._digest
        algorithm = d.get("algorithm", "MD5")
        digest = _HASHES[algorithm.upper().removesuffix("-SESS")]

        def h(text: str) -> str:
            return digest(text.encode()).hexdigest()

        cnonce, nc = cnonce or secrets.token_hex(8), f"{count:08x}"
        ha1 = h(f"{self.user}:{d.get('realm', '')}:{self._password}")
        if algorithm.upper().endswith("-SESS"):
            ha1 = h(f"{ha1}:{d['nonce']}:{cnonce}")
        ha2 = h(f"{method}:{path}")
        qop = "auth" if "auth" in [q.strip() for q in d.get("qop", "").split(",")] else None
        response = h(f"{ha1}:{d['nonce']}:{nc}:{cnonce}:{qop}:{ha2}" if qop
                     else f"{ha1}:{d['nonce']}:{ha2}")
        fields = {"username": self.user, "realm": d.get("realm", ""), "nonce": d["nonce"],
                  "uri": path, "response": response, "algorithm": algorithm}
        if "opaque" in d:
            fields["opaque"] = d["opaque"]
        text = ", ".join(f'{k}="{v}"' for k, v in fields.items())
        return f"Digest {text}" + (f", qop={qop}, nc={nc}, cnonce=\"{cnonce}\"" if qop else "")
