"""Satu Data: the catalogue (Satu Data Indonesia metadata, OPD publishers, Walidata review, DCAT)."""
