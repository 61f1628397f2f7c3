// The query page: YASGUI on this server's /sparql, with no remote autocompletion services.
(function () {
  var endpoint = new URL("/sparql", window.location.href).href;
  new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: "peerkg-query",
    yasqe: {
      autocompleters: [],
      value: [
        "PREFIX pk: <https://w3id.org/peerkg/ontology#>",
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
        "",
        "SELECT ?theme ?label (COUNT(?quote) AS ?quotes) WHERE {",
        "  ?quote a pk:Quote ; pk:inTheme ?theme .",
        "  ?theme rdfs:label ?label .",
        "}",
        "GROUP BY ?theme ?label",
        "ORDER BY DESC(?quotes)",
      ].join("\n"),
    },
  });
})();
