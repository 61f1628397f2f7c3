// The /graph page: draws a view from /api/graph/<view> with Cytoscape.js, and offers filters,
// search, the quotes behind a node and the co-occurrence analytics. The server decides how
// everything looks (positions, colours, outlines, dashes, label sides, entity paths, the
// legend's words: peerkg.graph.viz.style) and draws the PNG/SVG downloads
// (/api/graph/<view>.png|svg); this script only displays what it is sent.
"use strict";

(function () {
  const FILTERS = [...document.querySelectorAll("[data-filter]")].map((el) => el.dataset.filter);
  const $ = (id) => document.getElementById(id);
  let current = null;  // the last response of /api/graph/<view>
  // With more studies than this, the page opens on the first study: a view of the whole
  // collection of a thousand studies takes longer than the server's time limit. "All" stays.
  const ONE_STUDY_PAST = 10;

  const cy = cytoscape({
    container: $("cy"),
    wheelSensitivity: 0.3,
    minZoom: 0.1,
    maxZoom: 4,
    style: [
      {selector: "node", style: {
        "background-color": "data(colour)", "border-width": 0.6, "border-color": "#333",
        "border-style": "data(outline)",
        "width": "data(size)", "height": "data(size)",
        "label": "data(text)", "font-size": 7, "color": "#1a1a1a", "text-valign": "center",
        "text-halign": "right", "text-margin-x": 2.5, "text-wrap": "wrap", "text-max-width": 1000,
        "text-background-color": "#fff", "text-background-opacity": 0.8,
        "text-background-padding": 1}},
      {selector: "node[align = 'left']", style: {"text-halign": "left", "text-margin-x": -2.5,
                                                  "font-weight": "bold", "text-justification": "right"}},
      {selector: "edge", style: {
        "width": "mapData(weight, 1, 8, 0.5, 3)", "line-color": "data(colour)",
        "line-style": "data(dash)", "opacity": 0.55, "curve-style": "bezier"}},
      {selector: ".faded", style: {"opacity": 0.12}},
      {selector: "node.match", style: {"border-width": 3, "border-color": "#D55E00"}},
      {selector: "node:selected", style: {"border-width": 3, "border-color": "#000"}},
    ],
  });
  window.peerkgGraph = cy;  // for the browser tests and the curious

  function params() {
    const query = new URLSearchParams();
    for (const name of FILTERS) {
      const value = $("filter-" + name).value;
      if (value) query.set(name, value);
    }
    return query;
  }

  async function getJSON(url) {
    const response = await fetch(url);
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  async function loadFacets() {
    const facets = await getJSON("/api/graph/facets");
    for (const name of FILTERS) {
      const select = $("filter-" + name);
      for (const {value, label} of facets[name]) select.add(new Option(label, value));
    }
    if (facets.study.length > ONE_STUDY_PAST) $("filter-study").value = facets.study[0].value;
  }

  async function load() {
    const view = $("view").value;
    const query = params();
    $("status").className = "";
    $("status").textContent = "Loading…";
    try {
      current = await getJSON(`/api/graph/${view}?${query}`);
    } catch (error) {
      $("status").className = "error";
      $("status").textContent = error.message;
      return;
    }
    cy.elements().remove();
    cy.add(current.elements);
    cy.layout({name: "preset", fit: true, padding: 20}).run();
    if (view !== "cooccurrence") widen();
    $("status").textContent = `${Object.keys(current.quotes).length} quotes; ` +
      current.kinds.map((k) => `${k.count} ${k.plural}`).join(", ");
    showLegend(current.legend);
    for (const format of ["png", "svg"]) {
      $("export-" + format).href = `/api/graph/${view}.${format}?${query}`;
    }
    showAnalytics(current.analytics);
    $("details").innerHTML = '<p class="hint">Click a node to list its quotes.</p>';
    search();
  }

  // The columns are laid out to fit a journal page (narrow and tall); on a wider screen, spread
  // them apart (labels keep their size) so the drawing fills the width and the edges between
  // columns get room.
  function widen() {
    const box = cy.elements().boundingBox();
    const nodes = cy.nodes();
    const xs = nodes.map((n) => n.position("x"));
    const left = Math.min(...xs);
    const span = Math.max(...xs) - left;
    const extra = box.h * cy.width() / cy.height() - box.w;
    if (span <= 0 || extra <= 0) return;
    const stretch = Math.min(1 + extra / span, 2);
    nodes.positions((n) => ({x: left + (n.position("x") - left) * stretch, y: n.position("y")}));
    cy.fit(undefined, 20);
  }

  function showLegend(legend) {
    const swatch = (label, style, cls = "") =>
      `<span class="${cls}" style="${style}">${escape(label)}</span>`;
    $("legend").innerHTML = `<h2>${escape(legend.title)}</h2><div class="legend">` +
      legend.colours.map((c) => swatch(c.label, `--swatch:${c.colour}`)).join("") +
      legend.outlines.map((o) => swatch(o.label, `--swatch:#fff;--outline:${o.outline}`,
        "outline")).join("") + "</div><div class=\"legend\">" +
      legend.edges.map((e) => swatch(e.label, `--swatch:${e.colour};--dash:${e.dash}`, "edge"))
        .join("") + "</div>" +
      legend.notes.map((note) => `<p class="hint">${escape(note)}</p>`).join("") +
      `<p class="hint">Node ${escape(legend.size)}.</p>`;
  }

  function escape(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  // a link to an entity's page on this server (the server sends its path), or its label
  function entityLink(path, text) {
    return path ? `<a href="${escape(path)}">${escape(text)}</a>` : escape(text);
  }

  function breakdown(title, counts) {
    const parts = Object.entries(counts || {}).map(([k, n]) => `${escape(k)} ${n}`);
    return parts.length ? `<p class="breakdown">${title}: ${parts.join(" · ")}</p>` : "";
  }

  function showNode(node) {
    const d = node.data();
    const quotes = (d.quote_ids || []).map((iri) => [iri, current.quotes[iri]]);
    $("details").innerHTML =
      `<h2>${entityLink(d.path, d.label)}</h2>` +
      `<p class="breakdown">${escape(d.kind_label)} · ${d.quotes} quote${d.quotes === 1 ? "" : "s"}` +
      (d.reconstruction ? " · the project's reconstruction, not the authors'" : "") +
      (d.citation ? ` · ${escape(d.citation)}` : "") + "</p>" +
      breakdown("By site", d.sites) + breakdown("By stakeholder group", d.stakeholders) +
      (quotes.length ? `<ol class="quotes">` + quotes.map(([iri, q]) =>
        `<li><blockquote>${escape(q.text)}</blockquote>` +
        `<span class="attribution">${entityLink(q.path, q.attribution)} · ${escape(q.theme)}` +
        ` · ${escape(q.study)}</span></li>`).join("") + "</ol>"
        : '<p class="hint">No quotes sit directly under this node.</p>');
  }

  function showAnalytics(analytics) {
    if (!analytics) {
      $("analytics").innerHTML = "";
      return;
    }
    const f = (x) => (x == null ? "–" : x.toFixed(2));
    const {theme, category} = analytics.agreement;
    $("analytics").innerHTML =
      "<h2>Co-occurrence analytics</h2>" +
      `<p class="breakdown">Louvain communities (seed ${analytics.seed}) against the authors'` +
      ` themes: adjusted Rand ${f(theme.ari)}, NMI ${f(theme.nmi)}; against categories:` +
      ` adjusted Rand ${f(category.ari)}, NMI ${f(category.nmi)}.</p>` +
      "<h3>Most central codes</h3><table class=\"measures\"><tr><th>Code</th><th>Degree</th>" +
      "<th>Betweenness</th><th>Community</th></tr>" +
      analytics.codes.slice(0, 10).map((c) => `<tr><td>${escape(c.label)}</td>` +
        `<td class="num">${c.degree}</td><td class="num">${c.betweenness.toFixed(3)}</td>` +
        `<td class="num">${c.community}</td></tr>`).join("") + "</table>" +
      "<h3>Candidate groupings beside the themes</h3><ol>" +
      analytics.communities.filter((c) => c.codes.length > 1).map((c) =>
        `<li value="${c.id}">${c.codes.map(escape).join("; ")}<br><span class="breakdown">` +
        Object.entries(c.themes).map(([t, n]) => `${escape(t)} ${n}`).join(" · ") +
        "</span></li>").join("") + "</ol>";
  }

  function search() {
    const term = $("search").value.trim().toLowerCase();
    cy.elements().removeClass("faded match");
    if (!term) return;
    const hits = cy.nodes().filter((n) => n.data("label").toLowerCase().includes(term));
    hits.addClass("match");
    cy.elements().not(hits.closedNeighborhood()).addClass("faded");
  }

  cy.on("tap", "node", (event) => showNode(event.target));
  $("view").addEventListener("change", load);
  for (const name of FILTERS) $("filter-" + name).addEventListener("change", load);
  $("search").addEventListener("input", search);

  loadFacets().then(load).catch((error) => {
    $("status").className = "error";
    $("status").textContent = error.message;
  });
})();
