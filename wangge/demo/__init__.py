"""The deterministic demo community: a fictional Chengxi subdistrict (城西街道) of Pingyao county (平遥县).

`generator.build_plan(seed)` draws the whole community in memory (pure Python, no database), and
`loader.load_plan(plan)` writes it through the registry and people services, so every ID number, phone
and boundary is validated as if a user had entered it. `wangge demo-data` and `wangge demo-logins` are
the console adapters.
"""
