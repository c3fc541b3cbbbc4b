"""Insights: what the grid's work adds up to, for any node and period, at city scale.

One app per part: `rollups` (counts per node × period, kept by the matters services), `dashboards`
(figures, charts and the wall screen), `transparency` (the public page per community) and `synth` (the
synthetic city that the benchmarks run on).
"""
