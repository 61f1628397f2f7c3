"""Building the graph, in layers from the bottom up (imports point down only; the contract is
``[tool.importlinter]`` in pyproject.toml):

- :mod:`.base`: the error family and the IRI scheme;
- (:mod:`peerkg.ontology`: the OWL ontology, SHACL shapes and HermiT)
- :mod:`.readers`: study packages, shared vocabulary and other input formats into RDF graphs;
- :mod:`.store`: the one adapter to an RDF store, and the Oxigraph engine process it manages;
- :mod:`.loader`: read, check, then replace graphs in the store in one transaction;
- (:mod:`peerkg.queries`: the named SPARQL queries)
- :mod:`.viz`: networkx views, analytics, layout, figures and exports.
"""
