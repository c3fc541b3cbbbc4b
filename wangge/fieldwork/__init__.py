"""Field work (外勤): what grid workers and the property company do every day.

One Django app per part, so that each keeps its own models, migrations and rules:
`visits` (door-to-door visits), `disputes` (mediation), `gates` (gate posts, shifts and rosters), `visitors` (visitor checks at the gates),
`cameras` (the camera registry and its coverage), `incidents` (vehicle damage, lost items, footage
review) and `emergencies` (declaring one, reaching every household, the all-clear).
"""
