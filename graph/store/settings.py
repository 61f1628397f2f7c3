"""What peerkg needs to know about a SPARQL endpoint beyond its URL: where updates go, which
engine it is, and the credentials it asks for.

Each setting comes from the environment, else from the config file's table for that endpoint,
else is left to detection (:mod:`.engines`)::

    PEERKG_UPDATE_URL       update_url     the SPARQL Update URL
    PEERKG_STORE_USER       user           for HTTP Basic or Digest authentication
    PEERKG_STORE_PASSWORD   password
    PEERKG_STORE_TOKEN      token          sent as "Authorization: Bearer TOKEN"
    PEERKG_STORE_ENGINE     engine         oxigraph, virtuoso or generic (default: detected)
                            hidden_graphs  graphs to leave out of every query (a list)

The config file is ``$PEERKG_STORE_CONFIG``, else ``store.toml`` in the user's config directory
(``~/.config/peerkg/store.toml`` on Linux); a table per endpoint, named by the ``--store`` URL::

    ["http://127.0.0.1:8890/sparql"]
    user = "peerkg"
    password = "..."

Secrets are never shown: not in ``repr``, not in error messages. A config file holding a
password or token must be readable by its owner only (``chmod 600``), like an ssh key.
"""

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from platformdirs import user_config_path

from peerkg.graph.base.errors import StoreError

ENVIRONMENT = {"update_url": "PEERKG_UPDATE_URL", "user": "PEERKG_STORE_USER",
               "password": "PEERKG_STORE_PASSWORD", "token": "PEERKG_STORE_TOKEN",
               "engine": "PEERKG_STORE_ENGINE"}
ENGINES = ("oxigraph", "virtuoso", "generic")


@dataclass(frozen=True)
class EndpointSettings:
    """Settings for one endpoint; ``None`` means "not given"."""

    update_url: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    engine: str | None = None
    hidden_graphs: tuple[str, ...] = ()

    def __post_init__(self):
        if self.engine is not None and self.engine not in ENGINES:
            raise StoreError(f"unknown engine {self.engine!r} (known: {', '.join(ENGINES)})")
        if self.password is not None and self.user is None:
            raise StoreError("a store password needs a user too (PEERKG_STORE_USER)")


def config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """The config file: ``$PEERKG_STORE_CONFIG`` or ``store.toml`` in the user config folder."""
    return Path(environ.get("PEERKG_STORE_CONFIG") or user_config_path("peerkg") / "store.toml")


def endpoint_settings(url: str, environ: Mapping[str, str] = os.environ) -> EndpointSettings:
    """The settings for the endpoint at ``url``: the environment over the config file.

    Raises StoreError for a config file that cannot be read, has an unknown key, or holds a
    secret while others may read it.
    """
    values = _from_file(config_path(environ), url)
    values.update({key: environ[name] for key, name in ENVIRONMENT.items() if environ.get(name)})
    return EndpointSettings(**values)


def _from_file(path: Path, url: str) -> dict:
    if not path.is_file():
        return {}
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise StoreError(f"{path}: cannot read the store config: {e}") from None
    table = tables.get(url) or tables.get(url.rstrip("/")) or {}
    if not isinstance(table, dict):
        raise StoreError(f"{path}: [{url!r}] must be a table of settings")
    known = {f.name for f in fields(EndpointSettings)}
    for key, value in table.items():
        if key not in known:
            raise StoreError(f"{path}: [{url!r}]: unknown key {key!r} (known: {', '.join(sorted(known))})")
        if not isinstance(value, list if key == "hidden_graphs" else str):
            raise StoreError(f"{path}: [{url!r}]: {key} must be a "
                             f"{'list of IRIs' if key == 'hidden_graphs' else 'string'}")
    if ("password" in table or "token" in table) and os.name == "posix" and \
            path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise StoreError(f"{path} holds a password or token but other users may read it; "
                         f"make it private with: chmod 600 {path}")
    return {**table, "hidden_graphs": tuple(table.get("hidden_graphs", ()))}
