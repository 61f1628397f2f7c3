"""Drawing the graph: networkx views built from named queries, their analytics, layout, style,
publication figures and exports."""
