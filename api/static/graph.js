// The /graph page: draws a view from /api/graph/<view> with Cytoscape.js at the server's
// deterministic positions (layout by kind), and offers filters, search, the quotes behind a
// node, the co-occurrence analytics and PNG/SVG export of the current view.
"use strict";

(function () {
  const IRI_BASE = "https://w3id.org/peerkg";
  const FILTERS = [...document.querySelectorAll("[data-filter]")].map((el) => el.dataset.filter);
  const KIND_NAMES = {theme: "Theme", category: "Category", code: "Code", construct: "Construct",
                      reference: "Work cited", study: "Study"};
  const PLURALS = {theme: "themes", category: "categories", code: "codes", construct: "constructs",
                   reference: "works cited", study: "studies"};
  const $ = (id) => document.getElementById(id);
  let current = null;  // the last response of /api/graph/<view>

  const cy = cytoscape({
    container: $("cy"),
    wheelSensitivity: 0.3,
    minZoom: 0.1,
    maxZoom: 4,
    style: [
      {selector: "node", style: {
        "background-color": "data(colour)", "border-width": 0.6, "border-color": "#333",
        "width": "data(size)", "height": "data(size)",
        "label": "data(text)", "font-size": 7, "color": "#1a1a1a", "text-valign": "center",
        "text-halign": "right", "text-margin-x": 2.5, "text-wrap": "wrap", "text-max-width": 1000,
        "text-background-color": "#fff", "text-background-opacity": 0.8,
        "text-background-padding": 1}},
      {selector: "node[align = 'left']", style: {"text-halign": "left", "text-margin-x": -2.5,
                                                  "font-weight": "bold", "text-justification": "right"}},
      {selector: "edge", style: {
        "width": "mapData(weight, 1, 8, 0.5, 3)", "line-color": "#8c8c8c", "opacity": 0.55,
        "curve-style": "bezier"}},
      {selector: "edge.theme-construct", style: {"line-color": "#E69F00", "line-style": "dashed"}},
      {selector: "edge.code-construct", style: {"line-color": "#B07AA1"}},
      {selector: "edge.construct-reference", style: {"line-color": "#0072B2", "line-style": "dotted"}},
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
    const firstColumn = Math.min(...current.elements.nodes.map((n) => n.position.x));
    for (const node of current.elements.nodes) {
      const left = view === "cooccurrence" ? node.position.x < 0
        : node.position.x === firstColumn;
      node.data.align = left ? "left" : "right";
    }
    cy.elements().remove();
    cy.add(current.elements);
    cy.layout({name: "preset", fit: true, padding: 20}).run();
    if (view !== "cooccurrence") widen();
    const counts = {};
    cy.nodes().forEach((n) => { counts[n.data("kind")] = (counts[n.data("kind")] || 0) + 1; });
    $("status").textContent = `${Object.keys(current.quotes).length} quotes; ` +
      Object.entries(counts).map(([k, n]) => `${n} ${PLURALS[k]}`).join(", ");
    showLegend(view);
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

  function showLegend(view) {
    const entries = new Map();
    cy.nodes().forEach((n) => {
      const key = view === "cooccurrence" ? n.data("theme") : KIND_NAMES[n.data("kind")];
      entries.set(key, n.data("colour"));
    });
    const title = view === "cooccurrence" ? "Colour: the code's dominant theme" : "Colour: kind";
    $("legend").innerHTML = `<h2>${title}</h2><div class="legend">` +
      [...entries].map(([label, colour]) =>
        `<span style="--swatch:${colour}">${escape(label)}</span>`).join("") +
      "</div><p class=\"hint\">Node size: number of quotes.</p>";
  }

  function escape(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  // peerkg's entity IRIs are served at the same path here: https://w3id.org/peerkg/id/x -> /id/x
  function entityLink(iri, text) {
    const href = iri.startsWith(IRI_BASE + "/") ? iri.slice(IRI_BASE.length) : iri;
    return `<a href="${escape(href)}">${escape(text)}</a>`;
  }

  function breakdown(title, counts) {
    const parts = Object.entries(counts || {}).map(([k, n]) => `${escape(k)} ${n}`);
    return parts.length ? `<p class="breakdown">${title}: ${parts.join(" · ")}</p>` : "";
  }

  function showNode(node) {
    const d = node.data();
    const quotes = (d.quote_ids || []).map((iri) => [iri, current.quotes[iri]]);
    $("details").innerHTML =
      `<h2>${entityLink(d.iri, d.label)}</h2>` +
      `<p class="breakdown">${KIND_NAMES[d.kind]} · ${d.quotes} quote${d.quotes === 1 ? "" : "s"}` +
      (d.citation ? ` · ${escape(d.citation)}` : "") + "</p>" +
      breakdown("By site", d.sites) + breakdown("By stakeholder group", d.stakeholders) +
      (quotes.length ? `<ol class="quotes">` + quotes.map(([iri, q]) =>
        `<li><blockquote>${escape(q.text)}</blockquote>` +
        `<span class="attribution">${entityLink(iri, q.attribution)} · ${escape(q.theme)}` +
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

  function download(name, blob) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  // An SVG of the visible elements at their model positions: circles, lines and text labels.
  function toSVG() {
    const box = cy.elements(":visible").boundingBox({includeLabels: true});
    const pad = 20;
    const out = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="${box.x1 - pad} ` +
      `${box.y1 - pad} ${box.w + 2 * pad} ${box.h + 2 * pad}" font-family="sans-serif">`];
    cy.edges(":visible").forEach((e) => {
      const [s, t] = [e.source().position(), e.target().position()];
      out.push(`<line x1="${s.x}" y1="${s.y}" x2="${t.x}" y2="${t.y}" ` +
        `stroke="${e.style("line-color")}" stroke-width="${parseFloat(e.style("width"))}" ` +
        `opacity="${e.style("opacity")}"/>`);
    });
    cy.nodes(":visible").forEach((n) => {
      const p = n.position();
      const r = n.data("size") / 2;
      const left = n.data("align") === "left";
      out.push(`<circle cx="${p.x}" cy="${p.y}" r="${r}" fill="${n.data("colour")}" ` +
        `stroke="#333" stroke-width="0.6" opacity="${n.style("opacity")}"/>`);
      const lines = n.data("text").split("\n");
      const x = p.x + (left ? -r - 2.5 : r + 2.5);
      const y = p.y - (lines.length - 1) * 3.9;
      out.push(`<text x="${x}" y="${y}" font-size="6.5" dominant-baseline="middle" ` +
        `text-anchor="${left ? "end" : "start"}"${left ? ' font-weight="bold"' : ""}>` +
        lines.map((line, i) => `<tspan x="${x}" dy="${i ? 7.8 : 0}">${escape(line)}</tspan>`)
          .join("") + "</text>");
    });
    out.push("</svg>");
    return out.join("\n");
  }

  cy.on("tap", "node", (event) => showNode(event.target));
  $("view").addEventListener("change", load);
  for (const name of FILTERS) $("filter-" + name).addEventListener("change", load);
  $("search").addEventListener("input", search);
  $("export-png").addEventListener("click", () =>
    download(`peerkg-${$("view").value}.png`, cy.png({output: "blob", full: true, scale: 2, bg: "#ffffff"})));
  $("export-svg").addEventListener("click", () =>
    download(`peerkg-${$("view").value}.svg`, new Blob([toSVG()], {type: "image/svg+xml"})));

  loadFacets().then(load).catch((error) => {
    $("status").className = "error";
    $("status").textContent = error.message;
  });
})();
