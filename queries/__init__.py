"""Named SPARQL queries, one ``.rq`` file each, run by name (see :mod:`.registry`)."""

from peerkg.queries.registry import (
    TYPES,
    NamedQuery,
    Param,
    parse,
    public,
    registry,
    resolve,
    with_prefixes,
)

__all__ = ["TYPES", "NamedQuery", "Param", "parse", "public", "registry", "resolve", "with_prefixes"]
