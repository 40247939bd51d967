"""Satu Peta: geospatial layers in PostGIS, served as OGC API - Features, vector tiles and downloads."""
